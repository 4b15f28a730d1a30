import { type Kysely, sql } from 'kysely';
import { isoTime } from '../core/iso-time.ts';
import type { Database } from '../platform/schema.ts';

/** The newest distinct (address, user agent) kept per token. */
export const ORIGINS_KEPT = 20;

/** Uses and refused uses of one token in one hour, counted by one node since its last flush. */
export interface HourTally {
  tokenId: string;
  /** The hour's start, milliseconds since the epoch. */
  hour: number;
  uses: number;
  failures: number;
}

/** Uses of one token from one (address, user agent) since the last flush; '' for no user agent. */
export interface OriginTally {
  tokenId: string;
  ip: string;
  userAgent: string;
  firstSeen: number;
  lastSeen: number;
  uses: number;
}

const byKey =
  <T>(key: (row: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * Add a node's tallies to the stored ones: counts add up, so nodes sharing a database sum. Rows go in key
 * order, so two nodes flushing at once lock them in the same order. A token deleted meanwhile is skipped.
 * Then each token the batch saw keeps only its newest origins.
 */
export async function writeUsage(
  db: Kysely<Database>,
  hours: HourTally[],
  origins: OriginTally[],
): Promise<void> {
  if (hours.length > 0) {
    const rows = [...hours].sort(byKey((h) => `${h.tokenId} ${String(h.hour).padStart(16, '0')}`));
    await sql`
      insert into token_usage (token_id, hour, uses, failures)
      select v.token_id, v.hour, v.uses, v.failures
      from unnest(
        ${rows.map((h) => h.tokenId)}::uuid[],
        ${rows.map((h) => isoTime(h.hour))}::timestamptz[],
        ${rows.map((h) => h.uses)}::bigint[],
        ${rows.map((h) => h.failures)}::bigint[]
      ) with ordinality as v(token_id, hour, uses, failures, n)
      join tokens t on t.id = v.token_id
      order by v.n
      on conflict (token_id, hour) do update
      set uses = token_usage.uses + excluded.uses, failures = token_usage.failures + excluded.failures
    `.execute(db);
  }
  if (origins.length === 0) return;
  const rows = [...origins].sort(byKey((o) => `${o.tokenId} ${o.ip} ${o.userAgent}`));
  // `xmax = 0` only on a row just inserted: the tokens with a new origin, the only ones that can now
  // hold more than they keep.
  const written = await sql<{ token_id: string; inserted: boolean }>`
    insert into token_origins (token_id, ip, user_agent, first_seen_at, last_seen_at, uses)
    select v.token_id, v.ip, v.user_agent, v.first_seen_at, v.last_seen_at, v.uses
    from unnest(
      ${rows.map((o) => o.tokenId)}::uuid[],
      ${rows.map((o) => o.ip)}::text[],
      ${rows.map((o) => o.userAgent)}::text[],
      ${rows.map((o) => isoTime(o.firstSeen))}::timestamptz[],
      ${rows.map((o) => isoTime(o.lastSeen))}::timestamptz[],
      ${rows.map((o) => o.uses)}::bigint[]
    ) with ordinality as v(token_id, ip, user_agent, first_seen_at, last_seen_at, uses, n)
    join tokens t on t.id = v.token_id
    order by v.n
    on conflict (token_id, ip, user_agent) do update
    set first_seen_at = least(token_origins.first_seen_at, excluded.first_seen_at),
        last_seen_at = greatest(token_origins.last_seen_at, excluded.last_seen_at),
        uses = token_origins.uses + excluded.uses
    returning token_id, (xmax = 0) as inserted
  `.execute(db);
  const grown = [...new Set(written.rows.filter((row) => row.inserted).map((row) => row.token_id))];
  if (grown.length === 0) return;
  await sql`
    delete from token_origins o
    using (
      select token_id, ip, user_agent
      from (
        select token_id, ip, user_agent,
               row_number() over (partition by token_id order by last_seen_at desc, ip, user_agent) as n
        from token_origins
        where token_id = any(${grown}::uuid[])
      ) ranked
      where n > ${ORIGINS_KEPT}
    ) old
    where o.token_id = old.token_id and o.ip = old.ip and o.user_agent = old.user_agent
  `.execute(db);
}

export interface UsageBucket {
  /** The bucket's start. */
  start: Date;
  uses: number;
  failures: number;
}

/** Stored counts of one token from `from` (inclusive) to `to` (exclusive), summed per hour or UTC day. */
export async function readUsage(
  db: Kysely<Database>,
  tokenId: string,
  from: Date,
  to: Date,
  bucket: 'hour' | 'day',
): Promise<UsageBucket[]> {
  const unit = bucket === 'day' ? sql.lit('day') : sql.lit('hour');
  const { rows } = await sql<{ start: Date | string; uses: number; failures: number }>`
    select date_trunc(${unit}, hour at time zone 'UTC') at time zone 'UTC' as start,
           sum(uses)::float8 as uses, sum(failures)::float8 as failures
    from token_usage
    where token_id = ${tokenId} and hour >= ${from} and hour < ${to}
    group by 1
    order by 1
  `.execute(db);
  return rows.map((row) => ({ start: new Date(row.start), uses: row.uses, failures: row.failures }));
}

export interface OriginRow {
  ip: string;
  user_agent: string;
  first_seen_at: Date;
  last_seen_at: Date;
  uses: number;
}

/** The newest origins of one token, newest first. */
export async function readOrigins(db: Kysely<Database>, tokenId: string): Promise<OriginRow[]> {
  return db
    .selectFrom('token_origins')
    .select(['ip', 'user_agent', 'first_seen_at', 'last_seen_at', sql<number>`uses::float8`.as('uses')])
    .where('token_id', '=', tokenId)
    .orderBy('last_seen_at', 'desc')
    .orderBy('ip')
    .orderBy('user_agent')
    .limit(ORIGINS_KEPT)
    .execute();
}

/** Drop counts of hours, and origins last seen, before `before`. Returns the rows dropped. */
export async function dropUsageBefore(db: Kysely<Database>, before: Date): Promise<number> {
  const hours = await db.deleteFrom('token_usage').where('hour', '<', before).executeTakeFirst();
  const origins = await db.deleteFrom('token_origins').where('last_seen_at', '<', before).executeTakeFirst();
  return Number(hours.numDeletedRows) + Number(origins.numDeletedRows);
}
