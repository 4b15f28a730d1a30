// GET /api/me and GET /auth/check with 1,000 distinct valid tokens against GET /healthz on the same
// server, and the last-used writes per second meanwhile. `node bench/auth.ts [pglite|postgres]`.
import { createBenchDatabase } from './support/databases.ts';
import { type Load, load } from './support/load.ts';
import { metric, pinForLoad, startNode } from './support/node.ts';
import { seedScale } from './support/seed.ts';
import { line, quantile, round, verdict } from './support/stats.ts';

export interface AuthFigures {
  engine: string;
  logLevel: string;
  healthz: Load;
  me: Load;
  check: Load;
  /** The median over the rounds of each round's ratio: see `roundRatios`. */
  meRatio: number;
  checkRatio: number;
  /** Each round's ratios, in order. */
  meRounds: number[];
  checkRounds: number[];
  lastUsedWritesPerSecond: number;
  tokensPerWrite: number;
}

const SECONDS = 2;
/** Odd, so the rounds have one middle ratio (`quantile(…, 0.5)` by nearest rank is the median). */
const ROUNDS = 9;
const WARM_UP_SECONDS = 3;

export async function benchAuth(
  engine: 'pglite' | 'postgres' = 'pglite',
  logLevel = 'info',
): Promise<AuthFigures> {
  line(`\n== Token verification vs. an unauthenticated request (${engine}, log level ${logLevel}) ==`);
  const database = await createBenchDatabase(engine);
  const handle = await database.open();
  const secrets = await seedScale(handle.db, {
    accounts: 100,
    tokens: 1000,
    adminTokens: 0,
    adminEmail: 'admin@example.com',
    expired: false,
  });
  await handle.close();
  const pin = pinForLoad();
  const node = await startNode({ ...database.env, TESSERA_LOG_LEVEL: logLevel }, undefined, {
    cpu: pin?.serverCpu,
  });
  line(
    pin
      ? 'server pinned to CPU 0, load generator to the others (BENCH_PIN=0: leave both to the scheduler)'
      : 'server and load generator share the CPUs as the scheduler likes',
  );
  try {
    // Warm up: every token verified once (so cached), and the JIT settled on each path.
    await load(node.url, '/auth/check', { seconds: 0, amount: secrets.length, secrets });
    // /healthz gets the same Authorization headers (it ignores them), so the load generator, which
    // shares the machine, does the same work per request on both sides of each ratio.
    for (const path of ['/healthz', '/api/me', '/auth/check'])
      await load(node.url, path, { seconds: WARM_UP_SECONDS, secrets });
    const runs: Record<string, Load[]> = { '/healthz': [], '/api/me': [], '/auth/check': [] };
    const flushesBefore = await metric(node.url, 'tessera_last_used_flushes_total');
    const flushedBefore = await metric(node.url, 'tessera_last_used_flushed_tokens_total');
    const started = performance.now();
    // Interleaved rounds, so a neighbour's load on the machine falls on all three alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of Object.keys(runs)) {
        runs[path]!.push(await load(node.url, path, { seconds: SECONDS, secrets }));
      }
    }
    const elapsed = (performance.now() - started) / 1000;
    const flushes = (await metric(node.url, 'tessera_last_used_flushes_total')) - flushesBefore;
    const flushed = (await metric(node.url, 'tessera_last_used_flushed_tokens_total')) - flushedBefore;
    const hits = await metric(node.url, 'tessera_auth_cache_total', 'result="hit"');
    const misses = await metric(node.url, 'tessera_auth_cache_total', 'result="miss"');
    const merged = (path: string): Load => {
      const list = runs[path]!;
      const sum = (f: (l: Load) => number) => list.reduce((s, l) => s + f(l), 0);
      return {
        path,
        rps: sum((l) => l.rps) / list.length,
        p50: sum((l) => l.p50) / list.length,
        p99: sum((l) => l.p99) / list.length,
        requests: sum((l) => l.requests),
        non2xx: sum((l) => l.non2xx),
        errors: sum((l) => l.errors),
      };
    };
    const healthz = merged('/healthz');
    const me = merged('/api/me');
    const check = merged('/auth/check');
    const meRounds = roundRatios(runs['/api/me']!, runs['/healthz']!);
    const checkRounds = roundRatios(runs['/auth/check']!, runs['/healthz']!);
    for (const l of [healthz, me, check]) {
      if (l.non2xx > 0 || l.errors > 0) throw new Error(`${l.path}: ${l.non2xx} non-2xx, ${l.errors} errors`);
    }
    const figures: AuthFigures = {
      engine,
      logLevel,
      healthz,
      me,
      check,
      meRatio: quantile(meRounds, 0.5),
      checkRatio: quantile(checkRounds, 0.5),
      meRounds,
      checkRounds,
      lastUsedWritesPerSecond: flushes / elapsed,
      tokensPerWrite: flushes ? flushed / flushes : 0,
    };
    const row = (l: Load) =>
      `${l.path.padEnd(12)} ${String(Math.round(l.rps)).padStart(7)} req/s   p50 ${round(l.p50, 2)} ms   p99 ${round(l.p99, 2)} ms   (${l.requests} requests)`;
    line(
      `1,000 distinct tokens, ${ROUNDS} interleaved rounds of ${SECONDS} s per path, 16 connections; req/s, p50 and p99 are means over the rounds`,
    );
    line(row(healthz));
    line(row(me));
    line(row(check));
    const rounds = (ratios: number[]) => ratios.map((r) => r.toFixed(2)).join(' ');
    line(`each round's ratio, GET /api/me:     ${rounds(meRounds)}`);
    line(`each round's ratio, GET /auth/check: ${rounds(checkRounds)}`);
    line(
      `GET /api/me     / GET /healthz: ${round(figures.meRatio, 3)} median of the rounds, ` +
        `${round(me.rps / healthz.rps, 3)} from the mean req/s  (goal >= 0.85: ${verdict(figures.meRatio >= 0.85)})`,
    );
    line(
      `GET /auth/check / GET /healthz: ${round(figures.checkRatio, 3)} median of the rounds, ` +
        `${round(check.rps / healthz.rps, 3)} from the mean req/s  (goal >= 0.85: ${verdict(figures.checkRatio >= 0.85)})`,
    );
    line(
      `verification cache: ${hits} hits, ${misses} misses (the misses are the warm-up's first look at each token)`,
    );
    line(
      `last-used writes: ${round(figures.lastUsedWritesPerSecond, 2)} per second over ${round(elapsed)} s, ` +
        `${round(figures.tokensPerWrite)} tokens per write (goal <= 1/s: ${verdict(figures.lastUsedWritesPerSecond <= 1.0001)})`,
    );
    return figures;
  } finally {
    pin?.release();
    await node.stop();
    await database.dispose();
  }
}

/**
 * Each round measures the three paths one after the other, a few seconds apart, so a round's ratio
 * compares like with like. On a shared machine a neighbour's burst can halve one path's figure in one
 * round (seen: 9,319 req/s against 16,000 either side); the median of the rounds' ratios leaves such a
 * round out, where a ratio of means would carry it.
 */
function roundRatios(path: Load[], healthz: Load[]): number[] {
  return path.map((l, i) => l.rps / healthz[i]!.rps);
}

if (import.meta.main) {
  const engine = process.argv[2] === 'postgres' ? 'postgres' : 'pglite';
  await benchAuth(engine, process.argv[3] ?? 'info');
  process.exit(0);
}
