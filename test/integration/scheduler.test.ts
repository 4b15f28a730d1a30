import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.ts';
import { JobLeases } from '../../src/platform/job-leases.ts';
import { Scheduler } from '../../src/platform/scheduler.ts';
import { TestClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

// Jobs that run on one node at a time (the inactivity sweep), on a real database: PGlite and PostgreSQL.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => {
  await database.handle.db.deleteFrom('scheduled_jobs').execute();
});
afterAll(async () => {
  await database?.dispose();
});

const MINUTE = 60_000;

describe('job leases', () => {
  it('give a job to one node per interval, and keep the interval across a restart', async () => {
    const clock = new TestClock(new Date('2026-12-04T12:00:00Z'));
    const db = database.handle.db;
    const a = new JobLeases({ db, clock, holder: 'node-a' });
    const b = new JobLeases({ db, clock, holder: 'node-b' });
    expect(await a.claim('sweep', 60 * MINUTE)).toBe(true);
    // While A runs it, B may not, nor A twice.
    expect(await b.claim('sweep', 60 * MINUTE)).toBe(false);
    expect(await a.claim('sweep', 60 * MINUTE)).toBe(false);
    await a.release('sweep');
    // Done, but the interval has not passed: nobody runs it, and a restarted node (a new holder) neither.
    clock.advance(30 * MINUTE);
    const restarted = new JobLeases({ db, clock, holder: 'node-a-restarted' });
    expect(await restarted.claim('sweep', 60 * MINUTE)).toBe(false);
    expect(await b.claim('sweep', 60 * MINUTE)).toBe(false);
    clock.advance(30 * MINUTE);
    expect(await b.claim('sweep', 60 * MINUTE)).toBe(true);
    await b.release('sweep');
    const row = await db.selectFrom('scheduled_jobs').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'sweep', lease_until: null, lease_holder: null });
    expect(row.last_started_at?.toISOString()).toBe('2026-12-04T13:00:00.000Z');
  });

  it('let another node take over once the lease of a node that died ends', async () => {
    const clock = new TestClock(new Date('2026-12-04T12:00:00Z'));
    const db = database.handle.db;
    const dead = new JobLeases({ db, clock, holder: 'dead', leaseMs: 10 * MINUTE });
    const alive = new JobLeases({ db, clock, holder: 'alive' });
    expect(await dead.claim('sweep', MINUTE)).toBe(true);
    clock.advance(5 * MINUTE);
    expect(await alive.claim('sweep', MINUTE)).toBe(false);
    clock.advance(6 * MINUTE);
    expect(await alive.claim('sweep', MINUTE)).toBe(true);
    // The dead node's late release does not end the new holder's lease.
    await dead.release('sweep');
    expect(await dead.claim('sweep', MINUTE)).toBe(false);
  });

  it('are answered once when many nodes ask at the same moment', async () => {
    const clock = new TestClock(new Date('2026-12-04T12:00:00Z'));
    const nodes = Array.from(
      { length: 6 },
      (_, i) => new JobLeases({ db: database.handle.db, clock, holder: `node-${i}` }),
    );
    const answers = await Promise.all(nodes.map((node) => node.claim('sweep', MINUTE)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});

describe('the scheduler', () => {
  it('runs an exclusive job on one of two nodes at a time, never overlapping', async () => {
    const db = database.handle.db;
    let running = 0;
    let overlaps = 0;
    const runs: string[] = [];
    const job = (node: string) => async () => {
      running++;
      if (running > 1) overlaps++;
      runs.push(node);
      await new Promise((resolve) => setTimeout(resolve, 30));
      running--;
    };
    const errors: unknown[] = [];
    const schedulers = ['a', 'b'].map((node) => {
      const scheduler = new Scheduler(
        (error) => errors.push(error),
        new JobLeases({ db, clock: systemClock, holder: node }),
      );
      scheduler.exclusive('job', 200, job(node));
      return scheduler;
    });
    for (const scheduler of schedulers) scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
    expect(errors).toEqual([]);
    expect(overlaps).toBe(0);
    // About one run per 200 ms across both nodes, not one per node.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThanOrEqual(8);
  });

  it('refuses an exclusive job without leases', () => {
    const scheduler = new Scheduler(() => {});
    expect(() => scheduler.exclusive('job', 1000, async () => {})).toThrow(/one node at a time/);
  });
});
