import type { Kysely } from 'kysely';
import { DAY_MS } from '../core/expiration.ts';
import type { Caller } from '../platform/caller.ts';
import type { Clock } from '../platform/clock.ts';
import { invalidField } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import type { TokenService } from './service.ts';
import { dropUsageBefore, readOrigins, readUsage } from './usage-queries.ts';

/** How long usage counts and origins are kept; also the longest range `usage` answers. */
export const USAGE_KEPT_DAYS = 90;
const BUCKET_MS = { hour: 3_600_000, day: DAY_MS } as const;

export interface UsageQuery {
  from?: string | undefined;
  to?: string | undefined;
  bucket: 'hour' | 'day';
}

export interface UsageView {
  token_id: string;
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  points: { start: string; uses: number; failures: number }[];
}

/**
 * How much a token is used and from where, for whoever may see its row. Counts come from the last-used
 * flush, so they lag a use by up to one flush interval.
 */
export class TokenUsage {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #tokens: TokenService;

  constructor(deps: { db: Kysely<Database>; clock: Clock; tokens: TokenService }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#tokens = deps.tokens;
  }

  /**
   * Every bucket from `from` to `to` (whole buckets, UTC; the last one holds `to`), zeros included, so a
   * chart draws it as it comes. By default the last 24 hours.
   */
  async usage(caller: Caller, id: string, query: UsageQuery): Promise<UsageView> {
    const to = query.to === undefined ? this.#clock.now() : new Date(query.to);
    const from = query.from === undefined ? new Date(to.getTime() - DAY_MS) : new Date(query.from);
    if (from > to) throw invalidField('from', 'must not be after to.');
    if (to.getTime() - from.getTime() > USAGE_KEPT_DAYS * DAY_MS)
      throw invalidField('from', `the range must be at most ${USAGE_KEPT_DAYS} days.`);
    await this.#tokens.get(caller, id);
    const size = BUCKET_MS[query.bucket];
    const first = from.getTime() - (from.getTime() % size);
    const end = to.getTime() - (to.getTime() % size) + size;
    const stored = await readUsage(this.#db, id, new Date(first), new Date(end), query.bucket);
    const byStart = new Map(stored.map((row) => [row.start.getTime(), row]));
    const points: UsageView['points'] = [];
    for (let start = first; start < end; start += size) {
      const row = byStart.get(start);
      points.push({
        start: new Date(start).toISOString(),
        uses: row?.uses ?? 0,
        failures: row?.failures ?? 0,
      });
    }
    return { token_id: id, from: from.toISOString(), to: to.toISOString(), bucket: query.bucket, points };
  }

  async origins(caller: Caller, id: string) {
    await this.#tokens.get(caller, id);
    const rows = await readOrigins(this.#db, id);
    return {
      items: rows.map((row) => ({
        ip: row.ip,
        user_agent: row.user_agent === '' ? null : row.user_agent,
        first_seen_at: new Date(row.first_seen_at).toISOString(),
        last_seen_at: new Date(row.last_seen_at).toISOString(),
        uses: row.uses,
      })),
    };
  }

  /** Counts and origins older than what is kept are dropped, not rolled up (docs/DECISIONS.md). */
  sweep(): Promise<number> {
    return dropUsageBefore(this.#db, new Date(this.#clock.now().getTime() - USAGE_KEPT_DAYS * DAY_MS));
  }
}
