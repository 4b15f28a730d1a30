import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { freePort } from '../../scripts/postgres.ts';

/**
 * CPUs for a load test on one machine: the server on the first, the load generator (this process, all
 * its threads) on the others. Left to itself the scheduler often runs both on one CPU, since each wakes
 * the other over loopback, and the ratios then swing more from run to run. Undefined when there is one
 * CPU, no `taskset`, or BENCH_PIN=0. `release()` gives this process all the CPUs again.
 */
export function pinForLoad(): { serverCpu: number; release(): void } | undefined {
  const count = availableParallelism();
  if (count < 2 || process.env.BENCH_PIN === '0') return undefined;
  const affinity = (cpus: string) =>
    spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' }).status === 0;
  if (!affinity(`1-${count - 1}`)) return undefined;
  return { serverCpu: 0, release: () => void affinity(`0-${count - 1}`) };
}

const BIN = resolve(import.meta.dirname, '../../bin/tessera.js');
/** The comparison servers of bench/support, which the benchmarks spawn the way they spawn tessera. */
export const BASELINE_SERVER = resolve(import.meta.dirname, 'baseline-server.ts');
export const BARE_FASTIFY = resolve(import.meta.dirname, 'bare-fastify.ts');

export interface Node {
  url: string;
  child: ChildProcess;
  /** From spawning the process to the first answer of /healthz. */
  startupMs: number;
  stop(): Promise<void>;
}

/**
 * A `tessera` process (or `options.script`) on a free loopback port, as a user starts it. Its JSON log goes to `logFile` (or
 * nowhere). Requests are logged only at `TESSERA_LOG_LEVEL=debug`, which bench/lists.ts sets to read
 * their server-side latency.
 */
export async function startNode(
  env: Record<string, string>,
  logFile?: string,
  options: { cpu?: number; script?: string } = {},
): Promise<Node> {
  const port = await freePort();
  const started = performance.now();
  // BENCH_NODE_ARGS (say `--cpu-prof --cpu-prof-dir=prof`) reaches the server's node: its environment is
  // otherwise only what a user would set.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const node = [process.execPath, ...nodeArgs, options.script ?? BIN];
  const argv = options.cpu === undefined ? node : ['taskset', '-c', String(options.cpu), ...node];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', logFile ? openSync(logFile, 'a') : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${options.script ?? 'tessera'} exited with ${child.exitCode}:\n${stderr}`);
    try {
      // The baseline server has no /healthz: any answer at all means it listens.
      const response = await fetch(`${url}/healthz`);
      if (response.ok || options.script === BASELINE_SERVER) break;
    } catch {}
    if (performance.now() - started > 120_000) throw new Error(`tessera did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const startupMs = performance.now() - started;
  return {
    url,
    child,
    startupMs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function signIn(url: string, email: string, password: string) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf_token } = (await response.json()) as { csrf_token: string };
  return { cookie, 'x-csrf-token': csrf_token, 'content-type': 'application/json' };
}

/** One counter or gauge from /metrics, summed over its label sets. */
export async function metric(url: string, name: string, labels?: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const row of text.split('\n')) {
    if (!row.startsWith(name)) continue;
    const match = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(row);
    if (!match || match[1] !== name) continue;
    if (labels && !(match[2] ?? '').includes(labels)) continue;
    sum += Number(match[3]);
  }
  return sum;
}
