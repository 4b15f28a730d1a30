import type { Kysely } from 'kysely';
import type { Metrics } from '../platform/metrics.ts';
import type { Database } from '../platform/schema.ts';
import { type LastUse, writeLastUses } from './queries.ts';

const USER_AGENT_MAX = 512;

/** A use waiting for the next flush, marked with the batch it belongs to. */
export interface PendingUse extends LastUse {
  readonly batch: number;
}

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
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #pending = new Map<string, PendingUse>();
  /** Counts the batches: an entry whose `batch` is not this one has been handed to a flush. */
  #batch = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(deps: {
    db: Kysely<Database>;
    metrics: Metrics;
    intervalMs: number;
    onError: (error: unknown) => void;
  }) {
    this.#db = deps.db;
    this.#metrics = deps.metrics;
    this.#intervalMs = deps.intervalMs;
    this.#onError = deps.onError;
  }

  /**
   * Note a use; returns the pending entry it went into. A caller that uses the same token again may pass
   * that entry back as `known`: while it is still in the batch being gathered, it is updated without a
   * lookup. `userAgent` as kept (`keptUserAgent`): the authenticator cuts it once for here and the cache.
   */
  record(tokenId: string, at: number, ip: string, userAgent: string | null, known?: PendingUse): PendingUse {
    const current = known?.batch === this.#batch ? known : this.#pending.get(tokenId);
    if (!current) {
      const use = { tokenId, at, ip, userAgent, batch: this.#batch };
      this.#pending.set(tokenId, use);
      return use;
    }
    // Updated in place: this runs on every authenticated request. A batch being written holds the
    // entries of the map it replaced, never these.
    if (current.at > at) return current;
    current.at = at;
    // A client sends the same address and agent request after request. Keeping the strings already held
    // spares a write barrier per field, and lets this request's copies die young.
    if (current.ip !== ip) current.ip = ip;
    if (current.userAgent !== userAgent) current.userAgent = userAgent;
    return current;
  }

  pending(tokenId: string): LastUse | undefined {
    return this.#pending.get(tokenId);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      this.flush().catch(this.#onError);
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Write what is pending. Flushes never overlap; a failed batch is put back for the next one. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing
      .catch(() => {})
      .then(async () => {
        if (this.#pending.size === 0) return;
        const batch = [...this.#pending.values()];
        this.#pending = new Map();
        this.#batch++;
        try {
          const updated = await writeLastUses(this.#db, batch);
          this.#metrics.lastUsedFlushes.inc();
          this.#metrics.lastUsedFlushedTokens.inc({}, updated);
        } catch (error) {
          for (const use of batch) this.record(use.tokenId, use.at, use.ip, use.userAgent);
          throw error;
        }
      });
    return this.#flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
