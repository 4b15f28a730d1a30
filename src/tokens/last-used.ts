import type { Kysely } from 'kysely';
import type { Metrics } from '../platform/metrics.ts';
import type { Database } from '../platform/schema.ts';
import { type LastUse, writeLastUses } from './queries.ts';

const USER_AGENT_MAX = 512;

/** A user agent as Tessera keeps it: the first 512 characters. */
export const keptUserAgent = (userAgent: string | null) =>
  userAgent === null ? null : userAgent.slice(0, USER_AGENT_MAX);

/**
 * Holds the newest use of each token in memory and writes them all in one statement per interval, so a
 * token used a thousand times a second costs one row update a second. Reads overlay what is pending,
 * so this node shows a use at once; other nodes see it after the next flush.
 */
export class LastUsedRecorder {
  readonly #db: Kysely<Database>;
  readonly #metrics: Metrics;
  #pending = new Map<string, LastUse>();
  #flushing: Promise<void> = Promise.resolve();

  constructor(deps: { db: Kysely<Database>; metrics: Metrics }) {
    this.#db = deps.db;
    this.#metrics = deps.metrics;
  }

  /** Note a use (`userAgent` as kept: `keptUserAgent`); returns the pending entry it went into. */
  record(tokenId: string, at: number, ip: string, userAgent: string | null): LastUse {
    const current = this.#pending.get(tokenId);
    if (!current) {
      const use = { tokenId, at, ip, userAgent };
      this.#pending.set(tokenId, use);
      return use;
    }
    // Updated in place, not replaced: this runs on every authenticated request. A batch being written
    // holds the entries of the map it replaced, never these.
    if (current.at > at) return current;
    current.at = at;
    current.ip = ip;
    current.userAgent = userAgent;
    return current;
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
        if (this.#pending.size === 0) return;
        const batch = [...this.#pending.values()];
        this.#pending = new Map();
        const started = performance.now();
        try {
          const updated = await writeLastUses(this.#db, batch);
          this.#metrics.lastUsedFlushDuration.observe({}, (performance.now() - started) / 1000);
          this.#metrics.lastUsedFlushes.inc();
          this.#metrics.lastUsedFlushedTokens.inc({}, updated);
        } catch (error) {
          for (const use of batch) this.record(use.tokenId, use.at, use.ip, use.userAgent);
          throw error;
        }
      });
    return this.#flushing;
  }
}
