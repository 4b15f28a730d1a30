import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { tokenStatus } from '../../src/core/token-status.ts';
import { testEngine } from '../support/database.ts';
import { type Session, setupHarness } from '../support/harness.ts';

// Concurrent requests on one thing. On PGlite, inject interleaves them on one connection; on PostgreSQL the
// pool (10 connections) runs them in truly concurrent transactions, which is where a missing lock shows.
const h = setupHarness({ env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '0' } });

const statuses = (responses: { statusCode: number }[]) =>
  responses.reduce<Record<number, number>>((counts, r) => {
    counts[r.statusCode] = (counts[r.statusCode] ?? 0) + 1;
    return counts;
  }, {});

async function auditOf(targetId: string) {
  return h.database.handle.db
    .selectFrom('audit_events')
    .select(['id', 'action'])
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();
}

describe('races', () => {
  it('gives exactly one 201 to 50 concurrent generations of one name for one owner', async () => {
    const session = await h.session();
    const names = Array.from({ length: 50 }, (_, i) => (i % 2 ? 'Deploy Key' : 'deploy key'));
    const responses = await Promise.all(
      names.map((name) =>
        h.request({ url: '/api/tokens', session, body: { name, kind: 'personal', expires_in_days: 30 } }),
      ),
    );
    expect(statuses(responses)).toEqual({ 201: 1, 409: 49 });
    for (const r of responses.filter((r) => r.statusCode === 409)) {
      expect(r.json()).toMatchObject({ code: 'name_taken', details: { field: 'name' } });
    }
    const rows = await h.database.handle.db.selectFrom('tokens').select('id').execute();
    expect(rows).toHaveLength(1);
    const created = await h.database.handle.db
      .selectFrom('audit_events')
      .select('target_id')
      .where('action', '=', 'token.created')
      .execute();
    expect(created).toEqual([{ target_id: rows[0]!.id }]);
  });

  it('gives exactly one 201 to concurrent service users whose internal IDs clash', async () => {
    const admin = await h.session('admin');
    const bodies = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? { name: 'svc-airflow' }
        : i % 3 === 1
          ? { name: 'SVC-Airflow' }
          : { internal_id: 'svc-airflow' },
    );
    const responses = await Promise.all(
      bodies.map((body) => h.request({ url: '/api/service-users', session: admin, body })),
    );
    expect(statuses(responses)).toEqual({ 201: 1, 409: 29 });
    for (const r of responses.filter((r) => r.statusCode === 409)) {
      expect(r.json().code).toBe('internal_id_taken');
    }
    const { count } = await h.database.handle.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('internal_id', '=', 'svc-airflow@service')
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(1);
  });

  it('gives exactly one 201 to concurrent teams with one name', async () => {
    const admin = await h.session('admin');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.request({ url: '/api/teams', session: admin, body: { name: i % 2 ? 'Platform' : 'PLATFORM' } }),
      ),
    );
    expect(statuses(responses)).toEqual({ 201: 1, 409: 19 });
  });

  it('ends concurrent revoke, restore and delete of one token in a state the audit log explains', async () => {
    const session = await h.session();
    for (let round = 0; round < 5; round++) {
      const { token } = await h.generate(session, { name: `Contended ${round}` });
      const actions = Array.from({ length: 30 }, (_, i) => ['revoke', 'restore', 'delete'][i % 3]!);
      const responses = await Promise.all(
        actions.map((action) =>
          action === 'delete'
            ? h.request({ method: 'DELETE', url: `/api/tokens/${token.id}`, session })
            : h.request({ method: 'POST', url: `/api/tokens/${token.id}/${action}`, session, body: {} }),
        ),
      );
      const ok = (action: string) =>
        responses.filter((r, i) => actions[i] === action && (r.statusCode === 200 || r.statusCode === 204))
          .length;
      // Every answer is a success or a clean refusal: 409 with the status, or 404 once it is deleted.
      for (const r of responses) expect([200, 204, 404, 409]).toContain(r.statusCode);

      // Replaying the audit log from "active" must pass through only allowed transitions and land on
      // the state the database holds, and every success must have exactly one audit row.
      const events = (await auditOf(token.id)).map((e) => e.action);
      expect(events[0]).toBe('token.created');
      let state: 'active' | 'revoked' | 'deleted' = 'active';
      for (const action of events.slice(1)) {
        if (action === 'token.revoked') expect(state).toBe('active');
        if (action === 'token.restored') expect(state).toBe('revoked');
        if (action === 'token.deleted') expect(state).toBe('revoked');
        state = action === 'token.revoked' ? 'revoked' : action === 'token.restored' ? 'active' : 'deleted';
      }
      expect(events.filter((a) => a === 'token.revoked')).toHaveLength(ok('revoke'));
      expect(events.filter((a) => a === 'token.restored')).toHaveLength(ok('restore'));
      expect(events.filter((a) => a === 'token.deleted')).toHaveLength(ok('delete'));
      expect(ok('delete')).toBeLessThanOrEqual(1);
      const row = await h.database.handle.db
        .selectFrom('tokens')
        .selectAll()
        .where('id', '=', token.id)
        .executeTakeFirst();
      if (state === 'deleted') expect(row).toBeUndefined();
      else expect(tokenStatus(row!, h.clock.now())).toBe(state);
    }
  });

  it('leaves no active token behind when a person is deactivated while generating tokens', async () => {
    const admin = await h.session('admin');
    for (let round = 0; round < 3; round++) {
      const person = await h.person();
      const session = await h.signIn(person);
      const generations = Array.from({ length: 20 }, (_, i) =>
        h.request({
          url: '/api/tokens',
          session,
          body: { name: `Race ${round}-${i}`, kind: 'personal', expires_in_days: 30 },
        }),
      );
      const deactivation = h.request({
        url: `/api/users/${person.id}/deactivate`,
        session: admin,
        method: 'POST',
      });
      const [deactivated] = await Promise.all([deactivation, ...generations]);
      expect(deactivated.statusCode).toBe(200);
      // Reactivation restores no token (spec §1): so none may have slipped in as active.
      const active = await sql<{ id: string }>`
        select id from tokens where owner_id = ${person.id} and revoked_at is null`.execute(
        h.database.handle.db,
      );
      expect(active.rows).toEqual([]);
    }
  });

  describe('between Admins', () => {
    const ROUNDS = 8;
    const demote = (by: Session, target: Session) =>
      h.request({
        method: 'PATCH',
        url: `/api/users/${target.account.id}`,
        session: by,
        body: { role: 'member' },
      });
    const deactivate = (by: Session, target: Session) =>
      h.request({ method: 'POST', url: `/api/users/${target.account.id}/deactivate`, session: by });
    const moves = { demote, deactivate };

    async function activeHumanAdmins(): Promise<string[]> {
      const rows = await h.database.handle.db
        .selectFrom('accounts')
        .select('id')
        .where('role', '=', 'admin')
        .where('kind', '=', 'human')
        .where('deactivated_at', 'is', null)
        .execute();
      return rows.map((row) => row.id);
    }

    /** Two Admins (and `others` more) signed in, every earlier Admin demoted. */
    async function admins(others = 0): Promise<[Session, Session]> {
      await sql`update accounts set role = 'member' where role = 'admin'`.execute(h.database.handle.db);
      for (let i = 0; i < others; i++) await h.person({ role: 'admin' });
      return [await h.session('admin'), await h.session('admin')];
    }

    /**
     * Exactly one of the two changes goes through; the other is refused, never a 500: 409 last_admin
     * when it would leave no Admin, 403 when its sender was no longer an Admin by then, or 401 when its
     * sender had been deactivated (and so signed out) before the request was read.
     */
    function oneWinner(responses: { statusCode: number; json(): { code: string } }[], round: number) {
      const codes = responses.map((r) => r.statusCode);
      expect(
        codes.filter((code) => code === 200),
        `round ${round}: ${codes}`,
      ).toHaveLength(1);
      const loser = responses.find((r) => r.statusCode !== 200)!;
      expect([401, 403, 409], `round ${round}: ${codes}`).toContain(loser.statusCode);
      if (loser.statusCode === 409) expect(loser.json().code).toBe('last_admin');
      return codes.indexOf(200);
    }

    // Each side acts on the other at the same moment: before the guard, both were demoted (or both
    // deactivated, or the loser got a 500 "deadlock detected") in most rounds on PostgreSQL.
    for (const [first, second] of [
      ['demote', 'demote'],
      ['deactivate', 'deactivate'],
      ['demote', 'deactivate'],
    ] as const) {
      it(`keeps the last Admin when two Admins ${first} and ${second} each other at once`, async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const [a, b] = await admins();
          const responses = await Promise.all([moves[first](a, b), moves[second](b, a)]);
          const winner = oneWinner(responses, round) === 0 ? a : b;
          expect(await activeHumanAdmins()).toEqual([winner.account.id]);
        }
      });
    }

    it('refuses the change of an Admin whom another Admin demoted or deactivated meanwhile', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = await admins(1);
        const [first, second] =
          round % 2 ? (['demote', 'deactivate'] as const) : (['deactivate', 'demote'] as const);
        const responses = await Promise.all([moves[first](a, b), moves[second](b, a)]);
        // A third Admin remains either way: the loser is refused as no longer an Admin, not as the last.
        const winner = oneWinner(responses, round) === 0 ? a : b;
        expect(responses.map((r) => r.statusCode)).not.toContain(409);
        const left = await activeHumanAdmins();
        expect(left).toHaveLength(2);
        expect(left).toContain(winner.account.id);
      }
    });

    it('runs a deactivation again when PostgreSQL picks it as a deadlock victim, not a 500', async (context) => {
      // One connection cannot deadlock with itself: PGlite runs transactions one after another.
      if (testEngine() !== 'postgres') context.skip();
      const admin = await h.session('admin');
      const person = await h.person();
      const { token } = await h.generate(await h.signIn(person), { name: 'Held' });
      // Another transaction (as the last-used writer's can) holds the person's token and then wants the
      // account, while the deactivation holds the account and wants the token.
      const other = new pg.Client({ connectionString: h.database.url });
      await other.connect();
      try {
        await other.query('begin');
        // The deactivation, waiting first, is the one that finds the deadlock and is rolled back.
        await other.query(`set local deadlock_timeout = '20s'`);
        await other.query('select id from tokens where id = $1 for update', [token.id]);
        const deactivation = deactivate(admin, { ...admin, account: person });
        for (let waited = 0; ; waited += 10) {
          const { rows } = await other.query(
            `select count(*)::int as n from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
          );
          if (rows[0].n > 0) break;
          if (waited > 10_000) throw new Error('the deactivation never waited on the token');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await other.query('select id from accounts where id = $1 for update', [person.id]);
        await other.query('commit');
        const response = await deactivation;
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json().status).toBe('deactivated');
        const held = await h.database.handle.db
          .selectFrom('tokens')
          .select('revoked_reason')
          .where('id', '=', token.id)
          .executeTakeFirstOrThrow();
        expect(held.revoked_reason).toBe('owner deactivated');
      } finally {
        await other.end();
      }
    });
  });
});
