import type { Metrics } from '../../platform/metrics.ts';
import type { VerificationCache } from './cache.ts';
import { LOOKUP_BATCH, type VerificationLookup } from './queries.ts';

/**
 * Reads again, in the background and a batch at a time, the cached verifications that are in use and
 * near their TTL (`VerificationCache.takeStale`), so a busy token is never sent to the database on the
 * request path by the TTL alone.
 */
export class CacheRefresher {
  readonly #lookup: VerificationLookup;
  readonly #cache: VerificationCache;
  readonly #metrics: Metrics;
  #running: Promise<number> = Promise.resolve(0);

  constructor(deps: {
    lookup: VerificationLookup;
    cache: VerificationCache;
    metrics: Metrics;
  }) {
    this.#lookup = deps.lookup;
    this.#cache = deps.cache;
    this.#metrics = deps.metrics;
  }

  /** Refresh what is stale now; resolves to how many entries were asked for. Runs never overlap. */
  refresh(): Promise<number> {
    this.#running = this.#running.catch(() => 0).then(() => this.#refreshStale());
    return this.#running;
  }

  async #refreshStale(): Promise<number> {
    const hashes = this.#cache.takeStale();
    for (let from = 0; from < hashes.length; from += LOOKUP_BATCH) {
      const batch = hashes.slice(from, from + LOOKUP_BATCH);
      const epoch = this.#cache.epoch;
      try {
        this.#cache.refreshed(batch, await this.#lookup(batch), epoch);
      } catch (error) {
        // These and the batches after them are handed out again on their next use.
        this.#cache.refreshed(hashes.slice(from), undefined, epoch);
        throw error;
      }
    }
    if (hashes.length > 0) this.#metrics.authCacheRefreshed.inc({}, hashes.length);
    return hashes.length;
  }
}
