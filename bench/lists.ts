// The token and user lists at 100,000 tokens and 10,000 accounts, on PostgreSQL and on the embedded
// database: the plan of every list query (no sequential scan on tokens or accounts), server-side latency
// from Fastify's own response times, start-up on the existing embedded database, and the resident
// size with 100,000 verified tokens cached. `node bench/lists.ts [postgres|pglite]`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type BenchDatabase, createBenchDatabase } from './support/databases.ts';
import { explainLists, LIST_CASES, type Plan, queryRecorder } from './support/list-queries.ts';
import { load } from './support/load.ts';
import { metric, signIn, startNode } from './support/node.ts';
import { QUICK } from './support/quick.ts';
import { SCALE, type ScaleOptions, seedScale } from './support/seed.ts';
import { line, quantile, round, verdict } from './support/stats.ts';

export interface ListFigures<Extra = undefined> {
  engine: 'postgres' | 'pglite';
  scale: Omit<ScaleOptions, 'adminEmail'>;
  seedMs: number;
  plans: Plan[];
  latency: { name: string; path: string; executionMs: number; p50: number; p95: number; clientP95: number }[];
  worstP95: number;
  startupMs: number;
  memory?: { cached: number; rssBeforeMb: number; rssAfterMb: number; seconds: number };
  /** What `options.withNode` returned. */
  extra: Extra;
}

/** The running server of a list benchmark, for more measurements on the same seeded database. */
export interface ListContext {
  url: string;
  pid: number;
  secrets: string[];
  database: BenchDatabase;
  /** The server's JSON log, with each request's responseTime (see `serverTimes`). */
  logFile: string;
}

const SAMPLES = QUICK ? 10 : 40;

/**
 * `options.scale` (default SCALE: 100,000 tokens, 10,000 accounts); `options.memory` verifies every seeded
 * token once and reports the resident size; `options.withNode` measures more on the same server before
 * it stops (bench/million.ts), its result returned as `extra`.
 */
export async function benchLists<Extra = undefined>(
  engine: 'postgres' | 'pglite',
  options: {
    memory?: boolean;
    scale?: Omit<ScaleOptions, 'adminEmail'>;
    withNode?: (context: ListContext) => Promise<Extra>;
  } = {},
): Promise<ListFigures<Extra>> {
  const scale = options.scale ?? SCALE;
  line(
    `\n== Lists at ${scale.tokens.toLocaleString('en')} tokens and ${scale.accounts.toLocaleString('en')} accounts (${engine}) ==`,
  );
  const database = await createBenchDatabase(engine);
  const logDir = mkdtempSync(join(tmpdir(), 'tessera-bench-log-'));
  try {
    const recorder = queryRecorder();
    const handle = await database.open(recorder.log);
    const seedStarted = performance.now();
    const secrets = await seedScale(handle.db, { ...scale, adminEmail: ADMIN_EMAIL });
    const seedMs = performance.now() - seedStarted;
    line(
      `seeded in ${round(seedMs / 1000)} s (INSERT … SELECT generate_series / unnest, 50,000 tokens a statement)`,
    );
    const admin = await handle.db
      .selectFrom('accounts')
      .select('id')
      .where('email', '=', ADMIN_EMAIL)
      .executeTakeFirstOrThrow();
    const plans = await explainLists(handle.db, recorder, admin.id);
    await handle.close();
    const big = plans.filter((p) => p.seqScans.some((t) => t === 'tokens' || t === 'accounts'));
    line(
      `EXPLAIN (ANALYZE) of ${plans.length} list queries: sequential scans on tokens or accounts: ${big.length === 0 ? 'none' : big.map((p) => p.name).join('; ')}`,
    );
    if (process.env.BENCH_PLANS === '1') for (const p of plans) line(`\n-- ${p.name}\n${p.plan}`);

    const logFile = join(logDir, 'server.log');
    // The seeded tokens include revoked and expired ones: verifying all 100,000 from one address would
    // trip the brute-force limits (which then answer 429 before any lookup, caching nothing).
    const node = await startNode(
      {
        ...database.env,
        // Requests are logged at debug (src/platform/http/request-logging.ts): their responseTime is
        // the server-side latency read below.
        TESSERA_LOG_LEVEL: 'debug',
        TESSERA_AUTH_FAILURES_PER_ADDRESS: '0',
        TESSERA_AUTH_FAILURES_PER_TOKEN: '0',
      },
      logFile,
    );
    try {
      line(
        `start-up on the existing database: ${round(node.startupMs)} ms from spawn to the first /healthz answer`,
      );
      const session = await signIn(node.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      const client: Record<string, number[]> = {};
      for (const { path } of LIST_CASES) {
        client[path] = [];
        for (let i = 0; i < 5 + SAMPLES; i++) {
          const started = performance.now();
          const response = await fetch(
            `${node.url}${path}&x-bench=${i}`.replace('?&', '?').replace(/^([^?]*)&/, '$1?'),
            {
              headers: session,
            },
          );
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
          if (i >= 5) client[path]!.push(performance.now() - started);
        }
      }
      const server = serverTimes(readFileSync(logFile, 'utf8'));
      const latency = LIST_CASES.map(({ name, path }, index) => {
        const times = (server.get(path) ?? []).slice(5);
        return {
          name,
          path,
          executionMs: plans[index]!.executionMs,
          p50: quantile(times, 0.5),
          p95: quantile(times, 0.95),
          clientP95: quantile(client[path]!, 0.95),
        };
      });
      const worstP95 = Math.max(...latency.map((l) => l.p95));
      line(`server-side response time (Fastify's responseTime), ${SAMPLES} requests each, one at a time:`);
      for (const l of latency) {
        line(
          `  ${l.name.padEnd(38)} p50 ${round(l.p50, 2).toFixed(2).padStart(6)} ms   p95 ${round(l.p95, 2).toFixed(2).padStart(6)} ms   (client p95 ${round(l.clientP95, 2)} ms)`,
        );
      }
      line(`worst p95: ${round(worstP95, 2)} ms (goal <= 30 ms: ${verdict(worstP95 <= 30)})`);

      let memory: ListFigures['memory'];
      if (options.memory) {
        const rssBefore = await metric(node.url, 'process_resident_memory_bytes');
        const started = performance.now();
        await load(node.url, '/auth/check', { seconds: 0, amount: secrets.length, secrets, connections: 20 });
        const seconds = (performance.now() - started) / 1000;
        const cached = await metric(node.url, 'tessera_auth_cache_entries');
        const rssAfter = await metric(node.url, 'process_resident_memory_bytes');
        memory = { cached, rssBeforeMb: rssBefore / 2 ** 20, rssAfterMb: rssAfter / 2 ** 20, seconds };
        line(
          `memory: resident ${round(memory.rssBeforeMb)} MiB before, ${round(memory.rssAfterMb)} MiB with ${cached.toLocaleString('en')} tokens cached ` +
            `(each verified once: ${round(seconds)} s, ${Math.round(secrets.length / seconds)} cold verifications/s)`,
        );
      }
      const extra = (await options.withNode?.({
        url: node.url,
        pid: node.child.pid!,
        secrets,
        database,
        logFile,
      })) as Extra;
      return {
        engine,
        scale,
        extra,
        seedMs,
        plans,
        latency,
        worstP95,
        startupMs: node.startupMs,
        ...(memory ? { memory } : {}),
      };
    } finally {
      await node.stop();
    }
  } finally {
    await database.dispose();
    rmSync(logDir, { recursive: true, force: true });
  }
}

/** responseTime per request path (without the bench's own marker), from Fastify's request log. */
export function serverTimes(log: string): Map<string, number[]> {
  const urls = new Map<string, string>();
  const times = new Map<string, number[]>();
  for (const text of log.split('\n')) {
    if (!text.startsWith('{')) continue;
    const entry = JSON.parse(text) as { reqId?: string; req?: { url?: string }; responseTime?: number };
    if (entry.reqId === undefined) continue;
    if (entry.req?.url) urls.set(entry.reqId, entry.req.url.replace(/[?&]x-bench=\d+$/, ''));
    else if (entry.responseTime !== undefined) {
      const url = urls.get(entry.reqId);
      if (!url) continue;
      if (!times.has(url)) times.set(url, []);
      times.get(url)!.push(entry.responseTime);
    }
  }
  return times;
}

if (import.meta.main) {
  const engines = process.argv[2]
    ? [process.argv[2] as 'postgres' | 'pglite']
    : (['postgres', 'pglite'] as const);
  for (const engine of engines) await benchLists(engine, { memory: engine === 'postgres' });
  process.exit(0);
}
