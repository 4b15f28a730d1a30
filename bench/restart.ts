// Issue 26, goal 4: a restart under load. A fresh tessera (its cache empty) on PostgreSQL gets 10,000
// distinct active tokens at once, each sent twice concurrently, over a few hundred connections; how long
// each request waits, and how many times PostgreSQL read a token row through its hash's index (each
// token's row at most once: concurrent misses for one token coalesced). `node bench/restart.ts`.
import { Agent, request } from 'node:http';
import pg from 'pg';
import { createLoadDatabase } from './support/databases.ts';
import { pinForLoad, startNode } from './support/node.ts';
import { QUICK } from './support/quick.ts';
import { line, quantile, round, verdict } from './support/stats.ts';

export interface RestartFigures {
  tokens: number;
  requests: number;
  sockets: number;
  /** From a request's socket being assigned to its answer's end, ms: its time at the server. */
  p99Ms: number;
  maxMs: number;
  /** From the request's creation, the client's own queue for a free socket included. */
  maxWithQueueMs: number;
  seconds: number;
  /** Deltas of pg_stat_user_indexes for tokens_secret_hash_key over the burst. */
  indexScans: number;
  rowsRead: number;
}

const TOKENS = QUICK ? 2_000 : 10_000;
const SOCKETS = 400;

async function secretHashIndexUse(client: pg.Client) {
  await client.query('select pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ idx_scan: string; idx_tup_read: string }>(
    `select idx_scan, idx_tup_read from pg_stat_user_indexes where indexrelname = 'tokens_secret_hash_key'`,
  );
  return { scans: Number(rows[0]!.idx_scan), rowsRead: Number(rows[0]!.idx_tup_read) };
}

/**
 * The index's statistics once backends have flushed theirs. PostgreSQL 15 flushes a backend's counts at
 * the end of a transaction at most once a second, and an idle backend's leftovers after 10 s: read
 * sooner, the figure misses some of the burst.
 */
async function settledIndexUse(client: pg.Client, afterBurst = false) {
  if (afterBurst) await new Promise((r) => setTimeout(r, 11_000));
  let last = await secretHashIndexUse(client);
  for (let i = 0; i < 15; i++) {
    await new Promise((r) => setTimeout(r, 1100));
    const now = await secretHashIndexUse(client);
    if (now.scans === last.scans && now.rowsRead === last.rowsRead) return now;
    last = now;
  }
  return last;
}

export async function benchRestart(): Promise<RestartFigures> {
  line(
    `\n== A restart under load: ${TOKENS.toLocaleString('en')} distinct tokens at once, each twice (postgres) ==`,
  );
  const { database, secrets } = await createLoadDatabase('postgres', { tokens: TOKENS, accounts: 1000 });
  const stats = new pg.Client({ connectionString: database.env.DATABASE_URL });
  await stats.connect();
  const pin = pinForLoad();
  const node = await startNode(database.env, undefined, { cpu: pin?.serverCpu });
  const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
  try {
    const before = await settledIndexUse(stats);
    const waits: number[] = [];
    const queued: number[] = [];
    const statuses = new Map<number, number>();
    const send = (secret: string) =>
      new Promise<void>((resolve, reject) => {
        const created = performance.now();
        let onSocket = created;
        const req = request(
          `${node.url}/api/me`,
          { agent, headers: { authorization: `Bearer ${secret}` } },
          (res) => {
            res.resume();
            res.on('end', () => {
              const now = performance.now();
              waits.push(now - onSocket);
              queued.push(now - created);
              statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
              resolve();
            });
          },
        );
        req.on('socket', () => {
          onSocket = performance.now();
        });
        req.on('error', reject);
        req.end();
      });
    const started = performance.now();
    // Both requests of a token are queued next to each other, so they go out on two sockets together.
    await Promise.all(secrets.flatMap((secret) => [send(secret), send(secret)]));
    const seconds = (performance.now() - started) / 1000;
    const after = await settledIndexUse(stats, true);
    const ok = statuses.get(200) ?? 0;
    if (ok !== secrets.length * 2) {
      throw new Error(`answers: ${JSON.stringify(Object.fromEntries(statuses))}, expected all 200`);
    }
    const figures: RestartFigures = {
      tokens: secrets.length,
      requests: waits.length,
      sockets: SOCKETS,
      p99Ms: quantile(waits, 0.99),
      maxMs: Math.max(...waits),
      maxWithQueueMs: Math.max(...queued),
      seconds,
      indexScans: after.scans - before.scans,
      rowsRead: after.rowsRead - before.rowsRead,
    };
    line(
      `${figures.requests.toLocaleString('en')} requests over ${SOCKETS} connections in ${round(seconds, 1)} s, all 200; ` +
        `time at the server (socket assigned to answer): p50 ${round(quantile(waits, 0.5), 1)} ms, p99 ${round(figures.p99Ms, 1)} ms, ` +
        `max ${round(figures.maxMs, 1)} ms (goal: none > 1000 ms: ${verdict(figures.maxMs <= 1000)})`,
    );
    line(
      `with the client's own queue for one of the ${SOCKETS} connections: p99 ${round(quantile(queued, 0.99), 1)} ms, max ${round(figures.maxWithQueueMs, 1)} ms`,
    );
    line(
      `tokens_secret_hash_key: ${figures.indexScans.toLocaleString('en')} index scans, ${figures.rowsRead.toLocaleString('en')} rows read ` +
        `for ${secrets.length.toLocaleString('en')} tokens (goal: rows read <= tokens: ${verdict(figures.rowsRead <= secrets.length)})`,
    );
    return figures;
  } finally {
    agent.destroy();
    pin?.release();
    await node.stop();
    await stats.end();
    await database.dispose();
  }
}

if (import.meta.main) {
  await benchRestart();
  process.exit(0);
}
