import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { checkSecret } from '../../src/core/secret.ts';
import { sha256Hex } from '../../src/platform/hashing.ts';
import { FEW_MATCHES } from '../../src/platform/keyset.ts';
import { DAY, HOUR } from '../support/clock.ts';
import { setupHarness } from '../support/harness.ts';

const h = setupHarness();

describe('generating a token', () => {
  it('returns the token and its secret once, and stores only the hash and the hint', async () => {
    const session = await h.session();
    const response = await h.request({
      url: '/api/tokens',
      session,
      body: { name: '  CI/CD Pipeline  ', kind: 'personal', expires_in_days: 90 },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const { token, secret } = response.json();
    expect(checkSecret(secret)).toEqual({ valid: true, kind: 'personal' });
    expect(token).toMatchObject({
      kind: 'personal',
      name: 'CI/CD Pipeline',
      status: 'active',
      created_at: '2026-11-22T12:00:00.000Z',
      expires_at: '2027-02-20T12:00:00.000Z',
      revoked_at: null,
      last_used_at: null,
      hint: secret.slice(-4),
      scopes: ['api'],
      owner: { id: session.account.id, kind: 'human', email: session.account.email },
    });
    const row = await h.database.handle.db
      .selectFrom('tokens')
      .selectAll()
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(sha256Hex(secret));
    expect(JSON.stringify(row)).not.toContain(secret.slice(8, -6));
    // Never again: neither the token nor the list carries it.
    const again = await h.request({ url: `/api/tokens/${token.id}`, session });
    expect(again.body).not.toContain(secret);
    expect((await h.request({ url: '/api/tokens', session })).body).not.toContain(secret);
  });

  it('takes Never (null) and any whole number of days from 1 to 365', async () => {
    const session = await h.session();
    const never = await h.generate(session, { name: 'Forever', expires_in_days: null });
    expect(never.token.expires_at).toBeNull();
    const one = await h.generate(session, { name: 'One day', expires_in_days: 1 });
    expect(one.token.expires_at).toBe('2026-11-23T12:00:00.000Z');
    const year = await h.generate(session, { name: 'A year', expires_in_days: 365 });
    expect(year.token.expires_at).toBe('2027-11-22T12:00:00.000Z');
  });

  it.each([
    [{ name: '', expires_in_days: 30 }, 'name'],
    [{ name: '   ', expires_in_days: 30 }, 'name'],
    [{ name: 'x'.repeat(101), expires_in_days: 30 }, 'name'],
    [{ name: 'tab\tname', expires_in_days: 30 }, 'name'],
    [{ name: 42, expires_in_days: 30 }, 'name'],
    [{ expires_in_days: 30 }, 'name'],
    [{ name: 'ok' }, 'expires_in_days'],
    [{ name: 'ok', expires_in_days: 0 }, 'expires_in_days'],
    [{ name: 'ok', expires_in_days: 366 }, 'expires_in_days'],
    [{ name: 'ok', expires_in_days: 1.5 }, 'expires_in_days'],
    [{ name: 'ok', expires_in_days: '30' }, 'expires_in_days'],
    [{ name: 'ok', expires_in_days: 30, kind: 'robot' }, 'kind'],
    [{ name: 'ok', expires_in_days: 30, scopes: 'api' }, 'scopes'],
    [{ name: 'ok', expires_in_days: 30, scopes: [42] }, 'scopes.0'],
    [{ name: 'ok', expires_in_days: 30, service_user_id: 'not-a-uuid' }, 'service_user_id'],
    [{ name: 'ok', expires_in_days: 30, expires_in_day: 30 }, 'expires_in_day'],
  ])('rejects %j naming the field %s, and writes nothing', async (body, field) => {
    const session = await h.session();
    const response = await h.request({ url: '/api/tokens', session, body: { kind: 'personal', ...body } });
    expect(response.statusCode).toBe(400);
    const error = response.json();
    expect(error.code).toBe('invalid_request');
    expect(error.details.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    const count = await h.database.handle.db
      .selectFrom('tokens')
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('refuses a duplicate name for the same owner, ignoring case, with 409 naming the field', async () => {
    const session = await h.session();
    await h.generate(session, { name: 'Deploy Key' });
    const response = await h.request({
      url: '/api/tokens',
      session,
      body: { name: 'deploy key', kind: 'personal', expires_in_days: 30 },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'name_taken', details: { field: 'name' } });
    // Another person may use the same name.
    await h.generate(await h.session(), { name: 'Deploy Key' });
  });

  it("lets a deleted token's name be used again", async () => {
    const session = await h.session();
    const { token } = await h.generate(session, { name: 'Reusable' });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session, body: {} });
    await h.request({ method: 'DELETE', url: `/api/tokens/${token.id}`, session });
    const again = await h.generate(session, { name: 'Reusable' });
    expect(again.token.id).not.toBe(token.id);
  });

  it('generates service tokens for Admins only, for an active service user', async () => {
    const admin = await h.session('admin');
    const manager = await h.session('manager');
    const svc = await h.serviceUser({ name: 'svc-airflow', email: 'svc-airflow@example.com' });
    const body = {
      name: 'Airflow DAG Orchestration',
      kind: 'service',
      service_user_id: svc.id,
      expires_in_days: 30,
    };
    expect((await h.request({ url: '/api/tokens', session: manager, body })).statusCode).toBe(403);
    const created = await h.request({ url: '/api/tokens', session: admin, body });
    expect(created.statusCode).toBe(201);
    const { token, secret } = created.json();
    expect(secret.startsWith('tsr_svc_')).toBe(true);
    expect(token.owner).toEqual({
      id: svc.id,
      kind: 'service',
      name: 'svc-airflow',
      email: 'svc-airflow@example.com',
      internal_id: 'svc-airflow@service',
      avatar_url: null,
    });
    const missing = await h.request({
      url: '/api/tokens',
      session: admin,
      body: { ...body, service_user_id: undefined, name: 'x' },
    });
    expect(missing.json().details.field).toBe('service_user_id');
    const human = await h.request({
      url: '/api/tokens',
      session: admin,
      body: { ...body, service_user_id: admin.account.id, name: 'y' },
    });
    expect(human.statusCode).toBe(400);
    expect(human.json().details.field).toBe('service_user_id');
  });

  it('refuses a personal token for a service user, and a service user id on a personal token', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser({ role: 'admin' });
    const { secret } = await h.generate(admin, { name: 'svc', kind: 'service', service_user_id: svc.id });
    const personal = await h.request({
      url: '/api/tokens',
      token: secret,
      body: { name: 'mine', kind: 'personal', expires_in_days: 30 },
    });
    expect(personal.statusCode).toBe(403);
    const mixed = await h.request({
      url: '/api/tokens',
      session: admin,
      body: { name: 'z', kind: 'personal', expires_in_days: 30, service_user_id: svc.id },
    });
    expect(mixed.json().details.field).toBe('service_user_id');
  });

  it('refuses a token for a deactivated service user with 409', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    await h.request({ url: `/api/users/${svc.id}/deactivate`, method: 'POST', session: admin });
    const response = await h.request({
      url: '/api/tokens',
      session: admin,
      body: { name: 'x', kind: 'service', service_user_id: svc.id, expires_in_days: 30 },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('owner_deactivated');
  });

  it('records who generated what in the audit log', async () => {
    const admin = await h.session('admin');
    const { token } = await h.generate(admin, { name: 'Audited' });
    const events = (await h.request({ url: `/api/audit?target_id=${token.id}`, session: admin })).json()
      .items;
    expect(events).toEqual([
      expect.objectContaining({
        action: 'token.created',
        actor: { id: admin.account.id, label: admin.account.email, token_id: null },
        target: { type: 'token', id: token.id, label: `Audited (${admin.account.email})` },
        ip: '127.0.0.1',
      }),
    ]);
  });
});

describe('who sees which token', () => {
  it('keeps personal tokens private to their owner, even from an Admin', async () => {
    const owner = await h.session('member');
    const admin = await h.session('admin');
    const { token } = await h.generate(owner, { name: 'Private' });
    for (const url of [`/api/tokens/${token.id}`]) {
      expect((await h.request({ url, session: admin })).statusCode).toBe(404);
    }
    expect(
      (await h.request({ url: `/api/tokens/${token.id}/revoke`, session: admin, body: {} })).statusCode,
    ).toBe(404);
    expect(
      (await h.request({ method: 'DELETE', url: `/api/tokens/${token.id}`, session: admin })).statusCode,
    ).toBe(404);
    const adminList = (await h.request({ url: '/api/tokens?kind=personal', session: admin })).json();
    expect(adminList.items).toEqual([]);
    expect((await h.request({ url: `/api/tokens/${token.id}`, session: owner })).statusCode).toBe(200);
  });

  it('gives service tokens to Admins only: 403 for the list and for one', async () => {
    const admin = await h.session('admin');
    const member = await h.session('member');
    const manager = await h.session('manager');
    const svc = await h.serviceUser();
    const { token } = await h.generate(admin, { name: 'Pipeline', kind: 'service', service_user_id: svc.id });
    for (const session of [member, manager]) {
      const list = await h.request({ url: '/api/tokens?kind=service', session });
      expect(list.statusCode).toBe(403);
      expect(list.json().code).toBe('forbidden');
      expect((await h.request({ url: `/api/tokens/${token.id}`, session })).statusCode).toBe(403);
    }
    expect((await h.request({ url: '/api/tokens?kind=service', session: admin })).json().items).toHaveLength(
      1,
    );
  });

  it('answers 404 for a token that does not exist and 400 for an id that is not one', async () => {
    const session = await h.session();
    expect(
      (await h.request({ url: '/api/tokens/00000000-0000-4000-8000-000000000000', session })).statusCode,
    ).toBe(404);
    const bad = await h.request({ url: '/api/tokens/nope', session });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.field).toBe('id');
  });
});

describe('revoke, restore, delete', () => {
  it('moves through the states the spec allows, recording who and why', async () => {
    const session = await h.session();
    const { token } = await h.generate(session, { name: 'Lifecycle' });
    h.clock.advance(HOUR);
    const revoked = await h.request({
      url: `/api/tokens/${token.id}/revoke`,
      session,
      body: { reason: 'Leaked in a log' },
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({
      status: 'revoked',
      revoked_at: '2026-11-22T13:00:00.000Z',
      revoked_reason: 'Leaked in a log',
    });
    const row = await h.database.handle.db
      .selectFrom('tokens')
      .select('revoked_by')
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_by).toBe(session.account.id);

    const restored = await h.request({ url: `/api/tokens/${token.id}/restore`, session, body: {} });
    expect(restored.json()).toMatchObject({ status: 'active', revoked_at: null, revoked_reason: null });

    expect(
      (await h.request({ method: 'POST', url: `/api/tokens/${token.id}/revoke`, session })).statusCode,
    ).toBe(200);
    expect((await h.request({ method: 'DELETE', url: `/api/tokens/${token.id}`, session })).statusCode).toBe(
      204,
    );
    expect((await h.request({ url: `/api/tokens/${token.id}`, session })).statusCode).toBe(404);

    const admin = await h.session('admin');
    const actions = (await h.request({ url: `/api/audit?target_id=${token.id}`, session: admin }))
      .json()
      .items.map((e: { action: string }) => e.action);
    expect(actions).toEqual([
      'token.deleted',
      'token.revoked',
      'token.restored',
      'token.revoked',
      'token.created',
    ]);
  });

  it('answers 409 from every other state', async () => {
    const session = await h.session();
    const { token: active } = await h.generate(session, { name: 'Active' });
    const restoreActive = await h.request({ url: `/api/tokens/${active.id}/restore`, session, body: {} });
    expect(restoreActive.statusCode).toBe(409);
    expect(restoreActive.json()).toMatchObject({ code: 'status_conflict', details: { status: 'active' } });
    const deleteActive = await h.request({ method: 'DELETE', url: `/api/tokens/${active.id}`, session });
    expect(deleteActive.statusCode).toBe(409);
    expect(deleteActive.json().message).toBe('An active token cannot be deleted; revoke it first.');

    await h.request({ url: `/api/tokens/${active.id}/revoke`, session, body: {} });
    const revokeTwice = await h.request({ url: `/api/tokens/${active.id}/revoke`, session, body: {} });
    expect(revokeTwice.statusCode).toBe(409);

    const { token: expiring } = await h.generate(session, { name: 'Expiring', expires_in_days: 1 });
    h.clock.advance(2 * DAY);
    expect(
      (await h.request({ url: `/api/tokens/${expiring.id}/revoke`, session, body: {} })).statusCode,
    ).toBe(409);
    const restoreExpired = await h.request({ url: `/api/tokens/${expiring.id}/restore`, session, body: {} });
    expect(restoreExpired.statusCode).toBe(409);
    expect(restoreExpired.json().message).toBe('An expired token cannot be restored; generate a new one.');
    // Expired tokens can be deleted without revoking first.
    expect(
      (await h.request({ method: 'DELETE', url: `/api/tokens/${expiring.id}`, session })).statusCode,
    ).toBe(204);
  });

  it('refuses to restore a token whose owner is deactivated', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    const { token } = await h.generate(admin, { name: 'Pipeline', kind: 'service', service_user_id: svc.id });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session: admin, body: {} });
    await h.request({ url: `/api/users/${svc.id}/deactivate`, method: 'POST', session: admin });
    const response = await h.request({ url: `/api/tokens/${token.id}/restore`, session: admin, body: {} });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('owner_deactivated');
  });

  it('validates the revoke reason', async () => {
    const session = await h.session();
    const { token } = await h.generate(session, { name: 'Reason' });
    const response = await h.request({
      url: `/api/tokens/${token.id}/revoke`,
      session,
      body: { reason: 'x'.repeat(501) },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.field).toBe('reason');
  });
});

describe('listing tokens', () => {
  async function seedList() {
    const session = await h.session();
    const names = ['Alpha deploy', 'beta backup', 'Gamma deploy', 'Delta', 'Epsilon'];
    const ids: Record<string, string> = {};
    for (const [i, name] of names.entries()) {
      ids[name] = (
        await h.generate(session, { name, expires_in_days: i === 3 ? null : 10 * (i + 1) })
      ).token.id;
      h.clock.advance(HOUR);
    }
    await h.request({ url: `/api/tokens/${ids['beta backup']}/revoke`, session, body: {} });
    return { session, ids };
  }

  const names = (response: { json(): { items: { name: string }[] } }) =>
    response.json().items.map((t) => t.name);

  it('lists newest first by default, and searches names in any case', async () => {
    const { session } = await seedList();
    expect(names(await h.request({ url: '/api/tokens', session }))).toEqual([
      'Epsilon',
      'Delta',
      'Gamma deploy',
      'beta backup',
      'Alpha deploy',
    ]);
    expect(names(await h.request({ url: '/api/tokens?q=DEPLOY', session }))).toEqual([
      'Gamma deploy',
      'Alpha deploy',
    ]);
    expect(names(await h.request({ url: '/api/tokens?q=%25', session }))).toEqual([]);
  });

  it('filters by status, derived at the time of the request', async () => {
    const { session } = await seedList();
    expect(names(await h.request({ url: '/api/tokens?status=revoked', session }))).toEqual(['beta backup']);
    h.clock.advance(11 * DAY);
    // Alpha (10 days) has expired now; beta (20 days, revoked) is still revoked.
    expect(names(await h.request({ url: '/api/tokens?status=expired', session }))).toEqual(['Alpha deploy']);
    expect(names(await h.request({ url: '/api/tokens?status=active,revoked', session }))).toEqual([
      'Epsilon',
      'Delta',
      'Gamma deploy',
      'beta backup',
    ]);
    expect(names(await h.request({ url: '/api/tokens?status=active&status=expired', session }))).toEqual([
      'Epsilon',
      'Delta',
      'Gamma deploy',
      'Alpha deploy',
    ]);
    const bad = await h.request({ url: '/api/tokens?status=dormant', session });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.field).toBe('status.0');
  });

  it('sorts by name, expiry and last use, in both orders', async () => {
    const { session, ids } = await seedList();
    expect(names(await h.request({ url: '/api/tokens?sort=name', session }))).toEqual([
      'Alpha deploy',
      'beta backup',
      'Delta',
      'Epsilon',
      'Gamma deploy',
    ]);
    expect(names(await h.request({ url: '/api/tokens?sort=name&order=desc', session }))).toEqual([
      'Gamma deploy',
      'Epsilon',
      'Delta',
      'beta backup',
      'Alpha deploy',
    ]);
    // Never-expiring sorts after every date.
    expect(names(await h.request({ url: '/api/tokens?sort=expires_at&order=asc', session }))).toEqual([
      'Alpha deploy',
      'beta backup',
      'Gamma deploy',
      'Epsilon',
      'Delta',
    ]);
    const { secret } = await h.generate(session, { name: 'Used' });
    await h.request({ url: '/api/me', token: secret });
    // The sort reads the stored column: a use shows in the order after the next flush (≤ 1 s).
    await h.services.lastUsed.flush();
    const byUse = names(await h.request({ url: '/api/tokens?sort=last_used_at&order=desc', session }));
    expect(byUse[0]).toBe('Used');
    void ids;
  });

  it('pages with a cursor that stays stable while tokens are added', async () => {
    const { session } = await seedList();
    const first = (await h.request({ url: '/api/tokens?sort=name&limit=2', session })).json();
    expect(first.items.map((t: { name: string }) => t.name)).toEqual(['Alpha deploy', 'beta backup']);
    expect(first.next_cursor).toEqual(expect.any(String));
    await h.generate(session, { name: 'Aardvark' });
    const second = (
      await h.request({ url: `/api/tokens?sort=name&limit=2&cursor=${first.next_cursor}`, session })
    ).json();
    expect(second.items.map((t: { name: string }) => t.name)).toEqual(['Delta', 'Epsilon']);
    const third = (
      await h.request({ url: `/api/tokens?sort=name&limit=2&cursor=${second.next_cursor}`, session })
    ).json();
    expect(third.items.map((t: { name: string }) => t.name)).toEqual(['Gamma deploy']);
    expect(third.next_cursor).toBeNull();
  });

  it('pages through timestamps with microseconds and through never-expiring tokens', async () => {
    const session = await h.session();
    // Rows written by PostgreSQL's now() carry microseconds; the cursor must keep them.
    await sql`insert into tokens (kind, owner_id, name, secret_hash, hint, created_at, expires_at)
      select 'personal', ${session.account.id}, 'bulk ' || g, encode(sha256(('s' || g)::bytea), 'hex'), 'abcd',
             now() - (g || ' microseconds')::interval, case when g % 2 = 0 then null else now() + interval '1 day' end
      from generate_series(1, 25) g`.execute(h.database.handle.db);
    for (const sort of ['created_at', 'expires_at', 'last_used_at', 'name']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/api/tokens?sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await h.request({ url: query, session })).json();
        seen.push(...page.items.map((t: { id: string }) => t.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(new Set(seen).size, sort).toBe(25);
      expect(seen, sort).toHaveLength(25);
    }
  });

  it('pages a search alike whether it matches more rows than FEW_MATCHES (walked in order) or few (sorted)', async () => {
    const session = await h.session();
    await sql`insert into tokens (kind, owner_id, name, secret_hash, hint, created_at)
      select 'personal', ${session.account.id}, 'bulk ' || g, encode(sha256(('s' || g)::bytea), 'hex'), 'abcd',
             now() - (g || ' microseconds')::interval
      from generate_series(1, ${FEW_MATCHES + 100}) g`.execute(h.database.handle.db);
    const pages = async (q: string, sort: string, order: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/api/tokens?q=${encodeURIComponent(q)}&sort=${sort}&order=${order}&limit=40${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await h.request({ url: query, session })).json();
        seen.push(...page.items.map((t: { name: string }) => t.name));
        cursor = page.next_cursor;
      } while (cursor && seen.length < 200);
      return seen;
    };
    // "bulk 20": bulk 20, 200–209 and 2000–2099, 111 tokens.
    const few = Array.from({ length: FEW_MATCHES + 100 }, (_, i) => `bulk ${i + 1}`).filter((n) =>
      n.startsWith('bulk 20'),
    );
    expect(await pages('bulk 20', 'name', 'asc')).toEqual([...few].sort());
    expect(await pages('bulk 20', 'created_at', 'desc')).toEqual(
      [...few].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5))),
    );
    const many = await pages('bulk', 'created_at', 'desc');
    expect(many.slice(0, 3)).toEqual(['bulk 1', 'bulk 2', 'bulk 3']);
    expect(many).toHaveLength(200);
  });

  it('rejects a cursor it did not make, and limits out of range', async () => {
    const session = await h.session();
    const bad = await h.request({ url: '/api/tokens?cursor=garbage', session });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.field).toBe('cursor');
    for (const limit of ['0', '101', 'ten']) {
      const response = await h.request({ url: `/api/tokens?limit=${limit}`, session });
      expect(response.statusCode).toBe(400);
      expect(response.json().details.field).toBe('limit');
    }
  });

  it('lists every service token for an Admin, filtered by service user', async () => {
    const admin = await h.session('admin');
    const airflow = await h.serviceUser({ name: 'svc-airflow' });
    const dbt = await h.serviceUser({ name: 'svc-dbt' });
    await h.generate(admin, { name: 'Airflow DAG', kind: 'service', service_user_id: airflow.id });
    await h.generate(admin, { name: 'dbt nightly', kind: 'service', service_user_id: dbt.id });
    await h.generate(admin, { name: 'My own' });
    expect(names(await h.request({ url: '/api/tokens?kind=service&sort=name', session: admin }))).toEqual([
      'Airflow DAG',
      'dbt nightly',
    ]);
    expect(
      names(await h.request({ url: `/api/tokens?kind=service&service_user_id=${dbt.id}`, session: admin })),
    ).toEqual(['dbt nightly']);
    const personalWithOwner = await h.request({
      url: `/api/tokens?kind=personal&service_user_id=${dbt.id}`,
      session: admin,
    });
    expect(personalWithOwner.statusCode).toBe(400);
  });
});
