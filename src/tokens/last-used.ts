import type { Kysely } from 'kysely';
import type { Metrics } from '../platform/metrics.ts';
import type { Database } from '../platform/schema.ts';
import { type LastUse, writeLastUses } from './queries.ts';
import { type HourTally, type OriginTally, writeUsage } from './usage-queries.ts';

const USER_AGENT_MAX = 512;
const HOUR_MS = 3_600_000;

/** A user agent as Tessera keeps it: the first 512 characters. */
export const keptUserAgent = (userAgent: string | null) =>
  userAgent === null ? null : userAgent.slice(0, USER_AGENT_MAX);

/** A pending last use, with the tallies its token's uses are counted in until the flush. */
interface PendingUse extends LastUse {
  hour: HourTally;
  origin: OriginTally;
}

function countOrigin(origin: OriginTally, at: number): void {
  origin.uses++;
  if (origin.lastSeen < at) origin.lastSeen = at;
  if (origin.firstSeen > at) origin.firstSeen = at;
}

const hourOf = (at: number) => at - (at % HOUR_MS);
const hourKey = (tokenId: string, hour: number) => `${tokenId} ${hour}`;
const originKey = (tokenId: string, ip: string, userAgent: string) => `${tokenId} ${ip} ${userAgent}`;

/**
 * Holds the newest use of each token in memory, with how many uses each token had per hour and from
 * which (address, user agent), and writes them all in one transaction per interval: a token used a
 * thousand times a second costs one row update and two upserts a second, and no write per request.
 * Reads overlay what is pending, so this node shows a use at once; other nodes see it after the next flush.
 */
export class LastUsedRecorder {
  readonly #db: Kysely<Database>;
  readonly #metrics: Metrics;
  #pending = new Map<string, PendingUse>();
  #hours = new Map<string, HourTally>();
  #origins = new Map<string, OriginTally>();
  #flushing: Promise<void> = Promise.resolve();

  constructor(deps: { db: Kysely<Database>; metrics: Metrics }) {
    this.#db = deps.db;
    this.#metrics = deps.metrics;
  }

  /** Note a use (`userAgent` as kept: `keptUserAgent`); returns the pending entry it went into. */
  record(tokenId: string, at: number, ip: string, userAgent: string | null): LastUse {
    const current = this.#pending.get(tokenId);
    if (!current) {
      const use: PendingUse = {
        tokenId,
        at,
        ip,
        userAgent,
        hour: this.#hour(tokenId, hourOf(at)),
        origin: this.#origin(tokenId, ip, userAgent ?? '', at),
      };
      use.hour.uses++;
      countOrigin(use.origin, at);
      this.#pending.set(tokenId, use);
      return use;
    }
    // The tallies of the previous use are usually this one's too: no key is built and no map is read.
    const hour = hourOf(at);
    if (current.hour.hour !== hour) current.hour = this.#hour(tokenId, hour);
    current.hour.uses++;
    const ua = userAgent ?? '';
    const origin =
      current.origin.ip === ip && current.origin.userAgent === ua
        ? current.origin
        : this.#origin(tokenId, ip, ua, at);
    countOrigin(origin, at);
    // Updated in place, not replaced: this runs on every authenticated request. A batch being written
    // holds the entries of the map it replaced, never these.
    if (current.at > at) return current;
    current.at = at;
    current.ip = ip;
    current.userAgent = userAgent;
    current.origin = origin;
    return current;
  }

  /** Note a refused use of an existing token (revoked, expired, owner deactivated): counted apart. */
  recordFailure(tokenId: string, at: number): void {
    this.#hour(tokenId, hourOf(at)).failures++;
  }

  pending(tokenId: string): LastUse | undefined {
    return this.#pending.get(tokenId);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Write what is pending. Flushes never overlap; a failed batch is put back for the next one. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing
      .catch(() => {})
      .then(async () => {
        if (this.#pending.size === 0 && this.#hours.size === 0) return;
        const uses: LastUse[] = [...this.#pending.values()].map(({ tokenId, at, ip, userAgent }) => ({
          tokenId,
          at,
          ip,
          userAgent,
        }));
        const hours = [...this.#hours.values()];
        const origins = [...this.#origins.values()];
        this.#pending = new Map();
        this.#hours = new Map();
        this.#origins = new Map();
        const started = performance.now();
        try {
          const updated = await this.#db.transaction().execute(async (trx) => {
            const updated = await writeLastUses(trx, uses);
            await writeUsage(trx, hours, origins);
            return updated;
          });
          this.#metrics.lastUsedFlushDuration.observe({}, (performance.now() - started) / 1000);
          this.#metrics.lastUsedFlushes.inc();
          this.#metrics.lastUsedFlushedTokens.inc({}, updated);
        } catch (error) {
          this.#putBack(uses, hours, origins);
          throw error;
        }
      });
    return this.#flushing;
  }

  #hour(tokenId: string, hour: number): HourTally {
    const key = hourKey(tokenId, hour);
    let tally = this.#hours.get(key);
    if (!tally) {
      tally = { tokenId, hour, uses: 0, failures: 0 };
      this.#hours.set(key, tally);
    }
    return tally;
  }

  #origin(tokenId: string, ip: string, userAgent: string, at: number): OriginTally {
    const key = originKey(tokenId, ip, userAgent);
    let tally = this.#origins.get(key);
    if (!tally) {
      tally = { tokenId, ip, userAgent, firstSeen: at, lastSeen: at, uses: 0 };
      this.#origins.set(key, tally);
    }
    return tally;
  }

  /** A batch that was not written joins what came since, counts added, so nothing is lost or doubled. */
  #putBack(uses: LastUse[], hours: HourTally[], origins: OriginTally[]): void {
    for (const use of uses) {
      const current = this.#pending.get(use.tokenId);
      if (!current) {
        this.#pending.set(use.tokenId, {
          ...use,
          hour: this.#hour(use.tokenId, hourOf(use.at)),
          origin: this.#origin(use.tokenId, use.ip, use.userAgent ?? '', use.at),
        });
      } else if (current.at < use.at) {
        current.at = use.at;
        current.ip = use.ip;
        current.userAgent = use.userAgent;
      }
    }
    for (const tally of hours) {
      const into = this.#hour(tally.tokenId, tally.hour);
      into.uses += tally.uses;
      into.failures += tally.failures;
    }
    for (const tally of origins) {
      const into = this.#origin(tally.tokenId, tally.ip, tally.userAgent, tally.firstSeen);
      into.uses += tally.uses;
      into.firstSeen = Math.min(into.firstSeen, tally.firstSeen);
      into.lastSeen = Math.max(into.lastSeen, tally.lastSeen);
    }
  }
}
