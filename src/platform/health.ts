import type { LogEvent } from 'kysely';
import { databaseFailure } from './database-errors.ts';
import { DatabaseOutage } from './outage.ts';

/**
 * How long readiness reports a full disk after the last write it refused, unless a write succeeds
 * sooner. Without an end, a node taken out of a load balancer for a full disk would get no traffic, so
 * no write to find the space freed, and stay out for good; after it, the next write finds out again.
 */
export const STORAGE_FULL_HOLD_MS = 30_000;

const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

/**
 * What the queries of one database tell about it that a `select 1` cannot: a full disk lets reads and
 * `select 1` through and refuses only the writes that need new space.
 */
export class DatabaseHealth {
  readonly #holdMs: number;
  readonly #now: () => number;
  #storageFullAt: number | undefined;
  /** Whether the database is out: failed requests report it, every successful query ends it. */
  readonly outage = new DatabaseOutage();

  constructor(holdMs = STORAGE_FULL_HOLD_MS, now: () => number = performance.now.bind(performance)) {
    this.#holdMs = holdMs;
    this.#now = now;
  }

  /** Sees every query's outcome (Kysely's `log` hook): the latest write decides. */
  observe(event: LogEvent): void {
    if (event.level === 'error') {
      if (databaseFailure(event.error) === 'storage_full') this.#storageFullAt = this.#now();
      return;
    }
    this.outage.answered();
    if (this.#storageFullAt !== undefined && WRITES.has(event.query.query.kind)) {
      this.#storageFullAt = undefined;
    }
  }

  /** A write was refused for want of space, recently, and none has succeeded since. */
  get storageFull(): boolean {
    return this.#storageFullAt !== undefined && this.#now() - this.#storageFullAt < this.#holdMs;
  }
}
