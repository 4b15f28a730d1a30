// CPU time of processes, from /proc: what a request costs, which on a shared 2-core VM is steadier
// than requests per second (the machine's speed drifts; the work per request does not).
import { readdirSync, readFileSync } from 'node:fs';

const MICROS_PER_TICK = 10_000; // USER_HZ is 100 on Linux

/** utime, stime, cutime, cstime and the parent of a process, or undefined once it is gone. */
function stat(pid: number): { ppid: number; own: number; children: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(fields[1]),
    own: (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK,
    children: (Number(fields[13]) + Number(fields[14])) * MICROS_PER_TICK,
  };
}

/** User + system CPU time of one process, µs. */
export function processCpu(pid: number): number {
  return stat(pid)?.own ?? Number.NaN;
}

/** Resident memory of a process (VmRSS), MiB. */
export function residentMib(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** The postmaster listening on `port`: the `postgres` process whose command line says `-p <port>`. */
export function postmasterPid(port: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith('postgres')) continue;
    const words = argv.join(' ').split(/\s+/);
    if (words.some((word, i) => word === '-p' && words[i + 1] === String(port))) return Number(entry);
  }
  throw new Error(`no postmaster found for port ${port}`);
}

/**
 * The CPU time of a PostgreSQL server, µs: the postmaster and every process it started (backends,
 * autovacuum, the writers). A backend that exits (a pool closing an idle connection) leaves its time
 * in the postmaster's cutime/cstime once reaped, so the sum does not drop when one goes.
 */
export function postgresCpu(postmaster: number): number {
  const root = stat(postmaster);
  if (!root) throw new Error(`the postmaster ${postmaster} is gone`);
  let total = root.own + root.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = stat(Number(entry));
    if (child?.ppid === postmaster) total += child.own;
  }
  return total;
}
