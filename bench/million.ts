// Issue 26, goal 3: a million tokens over 100,000 accounts on PostgreSQL. The seed's time, the plans and
// server-side p95 of the 15 list queries (bench/lists.ts at that scale), start-up on that database, the
// resident size after verifying more distinct tokens than the default cache holds, and a cache miss's
// latency with the cache full. `node bench/million.ts`.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { sha256Hex } from '../src/platform/hashing.ts';
import { benchLists, type ListFigures, serverTimes } from './lists.ts';
import { residentMib } from './support/cpu.ts';
import { load } from './support/load.ts';
import { metric } from './support/node.ts';
import { QUICK } from './support/quick.ts';
import { sequential } from './support/sequential.ts';
import { line, quantile, round, verdict } from './support/stats.ts';

export interface MillionExtra {
  /** Distinct tokens verified before the misses, and the cache's entries after. */
  verified: number;
  cached: number;
  rssMib: number;
  misses: number;
  missP50: number;
  missP99: number;
  missMax: number;
  /** The same misses' responseTime as the server logged it. */
  missServerP99: number;
}

export type MillionFigures = ListFigures<MillionExtra>;

export const MILLION = QUICK
  ? { accounts: 10_000, tokens: 100_000, adminTokens: 1_000 }
  : { accounts: 100_000, tokens: 1_000_000, adminTokens: 1_000 };
// More than the default cache's 100,000 entries, so that it is full and evicting.
const VERIFIED = QUICK ? 10_000 : 120_000;
const MISSES = QUICK ? 500 : 2_000;

export async function benchMillion(): Promise<MillionFigures> {
  const figures = await benchLists('postgres', {
    scale: MILLION,
    withNode: async ({ url, pid, secrets, database, logFile }): Promise<MillionExtra> => {
      // A tenth of the seeded tokens are revoked, a tenth expired, some owners deactivated: only the
      // active ones are verified, so that every answer is a 200 and is cached.
      const handle = await database.open();
      const rows = await sql<{ secret_hash: string }>`
        select t.secret_hash from tokens t join accounts a on a.id = t.owner_id
        where t.revoked_at is null and (t.expires_at is null or t.expires_at > now() + interval '1 day')
          and a.deactivated_at is null`.execute(handle.db);
      await handle.close();
      const active = new Set(rows.rows.map((r) => r.secret_hash));
      const usable = secrets.filter((s) => active.has(sha256Hex(s)));
      if (usable.length < VERIFIED + MISSES) throw new Error(`only ${usable.length} active tokens`);

      const started = performance.now();
      const filled = await load(url, '/api/me', {
        seconds: 0,
        amount: VERIFIED,
        secrets: usable.slice(0, VERIFIED),
        connections: 20,
      });
      if (filled.non2xx > 0 || filled.errors > 0) {
        throw new Error(`verifying: ${filled.non2xx} answers not 2xx, ${filled.errors} errors`);
      }
      const seconds = (performance.now() - started) / 1000;
      line(
        `verified ${VERIFIED.toLocaleString('en')} distinct tokens in ${round(seconds)} s (${Math.round(VERIFIED / seconds)}/s, 20 connections)`,
      );
      // Tokens never sent before, one at a time: each is a miss, with the cache full.
      const misses = await sequential(url, '/api/me', usable.slice(VERIFIED, VERIFIED + MISSES));
      if (misses.failed > 0) throw new Error(`cache misses: ${misses.failed} answers not 200`);
      // The misses were the last requests to /api/me, one at a time: the log's last entries for it.
      const server = (serverTimes(readFileSync(logFile, 'utf8')).get('/api/me') ?? []).slice(-MISSES);
      const extra: MillionExtra = {
        verified: VERIFIED,
        cached: await metric(url, 'tessera_auth_cache_entries'),
        rssMib: residentMib(pid),
        misses: MISSES,
        missP50: quantile(misses.latencies, 0.5),
        missP99: quantile(misses.latencies, 0.99),
        missMax: Math.max(...misses.latencies),
        missServerP99: quantile(server, 0.99),
      };
      line(
        `cache miss (a token never seen, cache full), ${MISSES} one at a time, client-side: p50 ${round(extra.missP50, 2)} ms, ` +
          `p99 ${round(extra.missP99, 2)} ms, max ${round(extra.missMax, 1)} ms (goal p99 <= 5 ms: ${verdict(extra.missP99 <= 5)}); ` +
          `server-side p99 ${round(extra.missServerP99, 2)} ms (the server logging each request, at debug)`,
      );
      line(
        `resident size (VmRSS) with ${extra.cached.toLocaleString('en')} tokens cached: ${round(extra.rssMib)} MiB (goal <= 512 MiB: ${verdict(extra.rssMib <= 512)})`,
      );
      return extra;
    },
  });
  line(`start-up: ${round(figures.startupMs)} ms (goal <= 5000 ms: ${verdict(figures.startupMs <= 5000)})`);
  return figures;
}

if (import.meta.main) {
  await benchMillion();
  process.exit(0);
}
