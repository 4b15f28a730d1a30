import { type Verification, type VerificationCache, verificationOf } from './cache.ts';
import { LOOKUP_BATCH, type VerificationLookup } from './queries.ts';

/**
 * Lookups in flight at once. The rest of the pool stays free for everything else, and misses that
 * arrive meanwhile wait for a free slot together, so they go in one statement.
 */
const MAX_IN_FLIGHT = 4;

/** A hash waiting for the database, and everyone waiting on it. */
interface Pending {
  promise: Promise<Verification | null>;
  resolve(found: Verification | null): void;
  reject(error: unknown): void;
}

interface Sent {
  /** The cache's epoch when the lookup was sent: a request may join it only in that same epoch. */
  epoch: number;
  promise: Promise<Verification | null>;
}

/**
 * The database's answer for secrets the verification cache does not know. Concurrent misses for one
 * secret share one read, and misses that arrive together share one statement (up to `LOOKUP_BATCH`
 * hashes): after a restart, thousands of tokens arriving at once cost a few statements, and each row is
 * read once.
 *
 * A lookup sent before a change (the cache's epoch moved: a revocation, a role change) may hold what the
 * change undid, so a request that arrives after the change does not join it but waits for a new one:
 * a change holds from the very next request, as with the cache.
 */
export class CacheMisses {
  readonly #lookup: VerificationLookup;
  readonly #cache: VerificationCache;
  #queued = new Map<string, Pending>();
  #sent = new Map<string, Sent>();
  #inFlight = 0;
  #scheduled = false;

  constructor(deps: { lookup: VerificationLookup; cache: VerificationCache }) {
    this.#lookup = deps.lookup;
    this.#cache = deps.cache;
  }

  /** The verification of `hash`, from the database; null when no token has that hash. */
  find(hash: string): Promise<Verification | null> {
    const sent = this.#sent.get(hash);
    if (sent && sent.epoch === this.#cache.epoch) return sent.promise;
    const queued = this.#queued.get(hash);
    if (queued) return queued.promise;
    let resolve!: Pending['resolve'];
    let reject!: Pending['reject'];
    const promise = new Promise<Verification | null>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    this.#queued.set(hash, { promise, resolve, reject });
    // The misses of this turn of the event loop, and any that arrive while every slot is busy, go together.
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#send();
      });
    }
    return promise;
  }

  #send(): void {
    while (this.#queued.size > 0 && this.#inFlight < MAX_IN_FLIGHT) {
      const batch = new Map<string, Pending>();
      for (const [hash, pending] of this.#queued) {
        batch.set(hash, pending);
        this.#queued.delete(hash);
        if (batch.size === LOOKUP_BATCH) break;
      }
      const epoch = this.#cache.epoch;
      for (const [hash, pending] of batch) this.#sent.set(hash, { epoch, promise: pending.promise });
      this.#inFlight++;
      this.#lookup([...batch.keys()])
        .then(
          (rows) => {
            for (const [hash, pending] of batch) {
              try {
                const row = rows.get(hash);
                const cached = this.#cache.remember(hash, row, epoch);
                pending.resolve(row ? (cached ?? verificationOf(row)) : null);
              } catch (error) {
                pending.reject(error);
              }
            }
          },
          (error: unknown) => {
            for (const pending of batch.values()) pending.reject(error);
          },
        )
        .finally(() => {
          for (const [hash, pending] of batch) {
            if (this.#sent.get(hash)?.promise === pending.promise) this.#sent.delete(hash);
          }
          this.#inFlight--;
          this.#send();
        });
    }
  }
}
