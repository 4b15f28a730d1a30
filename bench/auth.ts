// GET /api/me and GET /auth/check with 1,000 distinct valid tokens against GET /healthz on the same
// server, the three taking turns every 100 ms, and the last-used writes per second meanwhile.
// `node bench/auth.ts [pglite|postgres]`.
import { createLoadDatabase } from './support/databases.ts';
import { type InterleavedLoad, interleavedLoad, type Load, load } from './support/load.ts';
import { metric, pinForLoad, startNode } from './support/node.ts';
import { QUICK } from './support/quick.ts';
import { line, round, verdict } from './support/stats.ts';

export interface AuthFigures {
  engine: string;
  logLevel: string;
  healthz: Load;
  me: Load;
  check: Load;
  /** Requests per second of the path over those of /healthz, in the same interleaved run. */
  meRatio: number;
  checkRatio: number;
  /** The same ratio in each window of the run, in order. */
  meWindows: number[];
  checkWindows: number[];
  lastUsedWritesPerSecond: number;
  /**
   * At most one write in each second the load ran: the flush is on a 1 s timer, so a run of 54.8 s can
   * hold 55 of them and still never have two in one second (55 / 54.8 is 1.004 "per second").
   */
  lastUsedWritesOk: boolean;
  tokensPerWrite: number;
}

const SECONDS = QUICK ? 9 : 54;
const SLICE_MS = 100;
const WINDOWS = 9;
const WARM_UP_SECONDS = QUICK ? 1 : 3;

export async function benchAuth(
  engine: 'pglite' | 'postgres' = 'pglite',
  logLevel = 'info',
): Promise<AuthFigures> {
  line(`\n== Token verification vs. an unauthenticated request (${engine}, log level ${logLevel}) ==`);
  const { database, secrets } = await createLoadDatabase(engine);
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
    const paths = ['/healthz', '/api/me', '/auth/check'];
    for (const path of paths) await load(node.url, path, { seconds: WARM_UP_SECONDS, secrets });
    const flushesBefore = await metric(node.url, 'tessera_last_used_flushes_total');
    const flushedBefore = await metric(node.url, 'tessera_last_used_flushed_tokens_total');
    const started = performance.now();
    const [healthz, me, check] = (await interleavedLoad(node.url, paths, {
      seconds: SECONDS,
      sliceMs: SLICE_MS,
      windows: WINDOWS,
      secrets,
    })) as [InterleavedLoad, InterleavedLoad, InterleavedLoad];
    const elapsed = (performance.now() - started) / 1000;
    const flushes = (await metric(node.url, 'tessera_last_used_flushes_total')) - flushesBefore;
    const flushed = (await metric(node.url, 'tessera_last_used_flushed_tokens_total')) - flushedBefore;
    const hits = await metric(node.url, 'tessera_auth_cache_total', 'result="hit"');
    const misses = await metric(node.url, 'tessera_auth_cache_total', 'result="miss"');
    for (const l of [healthz, me, check]) {
      if (l.non2xx > 0 || l.errors > 0) throw new Error(`${l.path}: ${l.non2xx} non-2xx, ${l.errors} errors`);
    }
    const ratios = (path: InterleavedLoad) => path.windows.map((rps, w) => rps / healthz.windows[w]!);
    const figures: AuthFigures = {
      engine,
      logLevel,
      healthz,
      me,
      check,
      meRatio: me.rps / healthz.rps,
      checkRatio: check.rps / healthz.rps,
      meWindows: ratios(me),
      checkWindows: ratios(check),
      lastUsedWritesPerSecond: flushes / elapsed,
      lastUsedWritesOk: flushes <= Math.floor(elapsed) + 1,
      tokensPerWrite: flushes ? flushed / flushes : 0,
    };
    const row = (l: Load) =>
      `${l.path.padEnd(12)} ${String(Math.round(l.rps)).padStart(7)} req/s   p50 ${round(l.p50, 2)} ms   p99 ${round(l.p99, 2)} ms   (${l.requests} requests)`;
    line(
      `1,000 distinct tokens, 16 connections, ${SECONDS} s in all: the three paths take turns every ${SLICE_MS} ms`,
    );
    line(row(healthz));
    line(row(me));
    line(row(check));
    const windows = (ratios: number[]) => ratios.map((r) => r.toFixed(2)).join(' ');
    line(
      `the ratio in each ${round(SECONDS / WINDOWS)} s of the run, GET /api/me:     ${windows(figures.meWindows)}`,
    );
    line(
      `the ratio in each ${round(SECONDS / WINDOWS)} s of the run, GET /auth/check: ${windows(figures.checkWindows)}`,
    );
    line(
      `GET /api/me     / GET /healthz: ${round(figures.meRatio, 3)} of the req/s  (goal >= 0.85: ${verdict(figures.meRatio >= 0.85)})`,
    );
    line(
      `GET /auth/check / GET /healthz: ${round(figures.checkRatio, 3)} of the req/s  (goal >= 0.85: ${verdict(figures.checkRatio >= 0.85)})`,
    );
    line(
      `verification cache: ${hits} hits, ${misses} misses (the misses are the warm-up's first look at each token)`,
    );
    line(
      `last-used writes: ${flushes} in ${round(elapsed)} s (${round(figures.lastUsedWritesPerSecond, 2)} per second), ` +
        `${round(figures.tokensPerWrite)} tokens per write (goal <= 1/s: ${verdict(figures.lastUsedWritesOk)})`,
    );
    return figures;
  } finally {
    pin?.release();
    await node.stop();
    await database.dispose();
  }
}

if (import.meta.main) {
  const engine = process.argv[2] === 'postgres' ? 'postgres' : 'pglite';
  await benchAuth(engine, process.argv[3] ?? 'info');
  process.exit(0);
}
