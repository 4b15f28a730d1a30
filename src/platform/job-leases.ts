import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Clock } from './clock.ts';
import type { Database } from './schema.ts';

/** How long a node may hold a job before another may take it over (it died, or hangs). */
export const DEFAULT_LEASE_MS = 15 * 60 * 1000;

/**
 * Which node runs a job that must run on one node at a time (the inactivity sweep): the job's row in
 * `scheduled_jobs` is claimed under `FOR UPDATE SKIP LOCKED` in a short transaction, which notes when the
 * job started and leases it to this node. The row, not any process's memory, says when the job last ran,
 * so a restart runs it no sooner than its interval, and a lease left by a node that died ends on its own.
 * The job itself runs outside the transaction: on PGlite one connection serves everything.
 */
export class JobLeases {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  /** Who holds a lease: this process, told apart from a restart of it on the same host. */
  readonly holder: string;

  constructor(deps: { db: Kysely<Database>; clock: Clock; leaseMs?: number; holder?: string }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
    this.holder = deps.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** Whether this node should run `name` now: its interval has passed and no other node holds it. */
  async claim(name: string, intervalMs: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('scheduled_jobs')
        .values({ name })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .execute();
      const row = await trx
        .selectFrom('scheduled_jobs')
        .select(['last_started_at', 'lease_until'])
        .where('name', '=', name)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      // Another node is claiming it this very moment.
      if (!row) return false;
      const now = this.#clock.now();
      if (row.lease_until && row.lease_until > now) return false;
      if (row.last_started_at && now.getTime() - row.last_started_at.getTime() < intervalMs) return false;
      await trx
        .updateTable('scheduled_jobs')
        .set({
          last_started_at: now,
          lease_until: new Date(now.getTime() + this.#leaseMs),
          lease_holder: this.holder,
        })
        .where('name', '=', name)
        .execute();
      return true;
    });
  }

  /** The run is over: the lease ends (if it is still this node's). */
  async release(name: string): Promise<void> {
    await this.#db
      .updateTable('scheduled_jobs')
      .set({ lease_until: null, lease_holder: null, last_finished_at: this.#clock.now() })
      .where('name', '=', name)
      .where('lease_holder', '=', this.holder)
      .execute();
  }
}
