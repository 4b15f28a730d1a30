// Where the fixed cost of a request goes: bare Fastify's /healthz, tessera's /healthz and a cached
// /api/me, each server under a CPU profile (`--cpu-prof`), each path loaded on its own for a while;
// the samples of each load are split into parts (bench/support/profile.ts) and divided by its
// requests. `node bench/fixed-cost-split.ts [postgres|pglite]` (default postgres: the last-used flush
// then runs in the database's processes, not in tessera's).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoadDatabase } from './support/databases.ts';
import { load } from './support/load.ts';
import { BARE_FASTIFY, pinForLoad, startNode } from './support/node.ts';
import { splitProfile } from './support/profile.ts';
import { QUICK } from './support/quick.ts';
import { line, round } from './support/stats.ts';

const SECONDS = QUICK ? 4 : 12;
/** Samples this close to either end of a load are left out: the load generator starting and stopping. */
const MARGIN_MS = 500;

interface Window {
  column: string;
  profileDir: string;
  fromMs: number;
  toMs: number;
  requests: number;
}

export async function benchFixedCostSplit(engine: 'postgres' | 'pglite' = 'postgres') {
  line(`\n== Where the fixed cost goes: CPU profiles of each path under load (${engine}) ==`);
  const { database, secrets } = await createLoadDatabase(engine);
  const pin = pinForLoad();
  const windows: Window[] = [];
  const dirs: string[] = [];
  const profiled = async (env: Record<string, string>, script?: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-prof-'));
    dirs.push(dir);
    process.env.BENCH_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=100`;
    const spawned = performance.now();
    const node = await startNode(env, undefined, { cpu: pin?.serverCpu, ...(script ? { script } : {}) });
    return { node, dir, spawned };
  };
  try {
    const bare = await profiled({}, BARE_FASTIFY);
    const tessera = await profiled(database.env);
    delete process.env.BENCH_NODE_ARGS;
    await load(tessera.node.url, '/api/me', { seconds: 0, amount: secrets.length, secrets });
    const runs = [
      ['bare Fastify /healthz', bare, '/healthz'],
      ['tessera /healthz', tessera, '/healthz'],
      ['tessera /api/me', tessera, '/api/me'],
    ] as const;
    for (const [column, server, path] of runs) {
      await load(server.node.url, path, { seconds: 2, secrets });
      const from = performance.now();
      const result = await load(server.node.url, path, { seconds: SECONDS, secrets });
      const to = performance.now();
      const kept = (to - from - 2 * MARGIN_MS) / (to - from);
      windows.push({
        column,
        profileDir: server.dir,
        fromMs: from - server.spawned + MARGIN_MS,
        toMs: to - server.spawned - MARGIN_MS,
        requests: result.requests * kept,
      });
    }
    await bare.node.stop();
    await tessera.node.stop();
    const splits = windows.map((w) => {
      const [file] = readdirSync(w.profileDir).filter((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no profile in ${w.profileDir}: did the server exit cleanly?`);
      const split = splitProfile(join(w.profileDir, file), w.fromMs, w.toMs);
      return new Map([...split].map(([part, us]) => [part, us / w.requests]));
    });
    const parts = [...new Set(splits.flatMap((s) => [...s.keys()]))].sort(
      (a, b) => (splits[2]!.get(b) ?? 0) - (splits[2]!.get(a) ?? 0),
    );
    line(
      `µs of the server's main thread per request, sampled every 0.1 ms over ${SECONDS} s of load per path, 16 connections`,
    );
    line(`${'part'.padEnd(46)} ${windows.map((w) => w.column.padStart(22)).join('')}`);
    for (const part of parts) {
      line(
        `${part.padEnd(46)} ${splits.map((s) => String(round(s.get(part) ?? 0, 1)).padStart(22)).join('')}`,
      );
    }
    const totals = splits.map((s) => [...s.values()].reduce((a, b) => a + b, 0));
    line(`${'total'.padEnd(46)} ${totals.map((t) => String(round(t, 1)).padStart(22)).join('')}`);
    return { windows: windows.map((w) => w.column), parts, splits, totals };
  } finally {
    pin?.release();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await database.dispose();
  }
}

if (import.meta.main) {
  await benchFixedCostSplit(process.argv[2] === 'pglite' ? 'pglite' : 'postgres');
  process.exit(0);
}
