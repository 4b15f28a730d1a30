import { describe, expect, it } from 'vitest';
import { DAY, MINUTE, SECOND } from '../support/clock.ts';
import { type Session, START, setupHarness } from '../support/harness.ts';

// Rotation (issue 22): a new token in the old one's place, the old secret working until the end of the
// grace period and revoked ("rotated", by the system) from that instant on, obeyed by the verification
// cache to the millisecond. Two processes on one PostgreSQL: test/integration/cluster.test.ts.
const h = setupHarness({
  env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '0', TESSERA_AUTH_FAILURES_PER_TOKEN: '0' },
});

const db = () => h.database.handle.db;

async function rotate(as: Session | string, id: string, body: Record<string, unknown>) {
  return h.request({
    url: `/api/tokens/${id}/rotate`,
    body,
    ...(typeof as === 'string' ? { token: as } : { session: as }),
  });
}

async function tokenRows() {
  return db().selectFrom('tokens').selectAll().orderBy('created_at').orderBy('id').execute();
}

async function auditRows(action: string) {
  return db().selectFrom('audit_events').selectAll().where('action', '=', action).execute();
}

const me = (secret: string) => h.request({ url: '/api/me', token: secret });

describe('rotating a token', () => {
  it('makes a new token like the old, and the old secret stops at the end of the grace period, to the second', async () => {
    const session = await h.session();
    const old = await h.generate(session, { name: 'Deploy', description: 'CI deploys\nof the web app' });
    // Cached before the rotation: the cache must still obey the time written afterwards.
    expect((await me(old.secret)).statusCode).toBe(200);
    h.clock.advance(10 * DAY);
    const rotatedAt = h.clock.now();

    const response = await rotate(session, old.token.id, { grace_period_minutes: 60 });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const { token, secret } = response.json();
    expect(secret).toMatch(/^tsr_pat_/);
    expect(secret).not.toBe(old.secret);
    expect(token).toMatchObject({
      name: 'Deploy',
      description: 'CI deploys\nof the web app',
      kind: 'personal',
      status: 'active',
      owner: { id: session.account.id },
      replaces: { id: old.token.id, name: 'Deploy' },
      replaced_by: null,
      revoked_at: null,
    });
    expect(token.id).not.toBe(old.token.id);
    // The same lifetime length as the old one (30 days), from now.
    expect(token.expires_at).toBe(new Date(rotatedAt.getTime() + 30 * DAY).toISOString());

    const stopsAt = rotatedAt.getTime() + 60 * MINUTE;
    const oldView = (await h.request({ url: `/api/tokens/${old.token.id}`, session })).json();
    expect(oldView).toMatchObject({
      status: 'active',
      revoked_at: new Date(stopsAt).toISOString(),
      revoked_reason: 'rotated',
      replaced_by: { id: token.id, name: 'Deploy' },
    });

    h.clock.set(new Date(stopsAt - SECOND));
    const before = await me(old.secret);
    expect(before.statusCode).toBe(200);
    expect(before.json().token.replaced_by).toEqual({ id: token.id, name: 'Deploy' });
    h.clock.set(new Date(stopsAt - 1));
    expect((await me(old.secret)).statusCode).toBe(200);
    h.clock.set(new Date(stopsAt));
    expect((await me(old.secret)).json()).toMatchObject({ code: 'token_revoked' });
    h.clock.set(new Date(stopsAt + SECOND));
    const after = await me(old.secret);
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('token_revoked');
    expect((await me(secret)).statusCode).toBe(200);

    const revoked = (await h.request({ url: `/api/tokens/${old.token.id}`, session })).json();
    expect(revoked).toMatchObject({ status: 'revoked', revoked_reason: 'rotated' });
    const list = await h.request({ url: '/api/tokens?kind=personal&status=revoked', session });
    expect(list.json().items.map((t: { id: string }) => t.id)).toEqual([old.token.id]);

    // Revoked by the system, audited with both ids.
    const [stored] = (await tokenRows()).filter((row) => row.id === old.token.id);
    expect(stored!.revoked_by).toBeNull();
    const [event] = await auditRows('token.rotated');
    expect(event).toMatchObject({ target_id: old.token.id, actor_id: session.account.id });
    expect(event!.details).toMatchObject({
      replaced_by: token.id,
      grace_period_minutes: 60,
      stops_at: new Date(stopsAt).toISOString(),
    });
  });

  it('with no grace period, the old secret stops at once', async () => {
    const session = await h.session();
    const old = await h.generate(session, { name: 'Now' });
    expect((await me(old.secret)).statusCode).toBe(200);
    const response = await rotate(session, old.token.id, { grace_period_minutes: 0 });
    expect(response.statusCode).toBe(201);
    expect((await me(old.secret)).json().code).toBe('token_revoked');
    expect((await me(response.json().secret)).statusCode).toBe(200);
  });

  it('takes a new lifetime, or Never, and keeps Never by default', async () => {
    const session = await h.session();
    const a = await h.generate(session, { name: 'A' });
    const seven = await rotate(session, a.token.id, { grace_period_minutes: 0, expires_in_days: 7 });
    expect(seven.json().token.expires_at).toBe(new Date(START.getTime() + 7 * DAY).toISOString());
    const never = await rotate(session, seven.json().token.id, {
      grace_period_minutes: 0,
      expires_in_days: null,
    });
    expect(never.json().token.expires_at).toBeNull();
    const still = await rotate(session, never.json().token.id, { grace_period_minutes: 0 });
    expect(still.json().token.expires_at).toBeNull();
  });

  it('answers 409 for a token already rotated, revoked or expired, and changes nothing', async () => {
    const session = await h.session();
    const old = await h.generate(session, { name: 'Twice' });
    expect((await rotate(session, old.token.id, { grace_period_minutes: 60 })).statusCode).toBe(201);
    const again = await rotate(session, old.token.id, { grace_period_minutes: 60 });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'already_rotated' });

    const revoked = await h.generate(session, { name: 'Revoked' });
    await h.request({ url: `/api/tokens/${revoked.token.id}/revoke`, session, body: {} });
    const r = await rotate(session, revoked.token.id, { grace_period_minutes: 0 });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'status_conflict', details: { status: 'revoked' } });

    const expiring = await h.generate(session, { name: 'Expiring', expires_in_days: 1 });
    h.clock.advance(DAY);
    const e = await rotate(session, expiring.token.id, { grace_period_minutes: 0 });
    expect(e.statusCode).toBe(409);
    expect(e.json()).toMatchObject({ code: 'status_conflict', details: { status: 'expired' } });

    expect(await tokenRows()).toHaveLength(4);
    expect(await auditRows('token.rotated')).toHaveLength(1);
  });

  it('of two concurrent rotations of one token, gives one 201 and one 409', async () => {
    const session = await h.session();
    const old = await h.generate(session, { name: 'Raced' });
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => rotate(session, old.token.id, { grace_period_minutes: 60 })),
    );
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await tokenRows()).toHaveLength(2);
    expect(await auditRows('token.rotated')).toHaveLength(1);
  });

  it.each([
    [{}, 'grace_period_minutes'],
    [{ grace_period_minutes: -1 }, 'grace_period_minutes'],
    [{ grace_period_minutes: 10_081 }, 'grace_period_minutes'],
    [{ grace_period_minutes: 1.5 }, 'grace_period_minutes'],
    [{ grace_period_minutes: '60' }, 'grace_period_minutes'],
    [{ grace_period_minutes: 60, expires_in_days: 0 }, 'expires_in_days'],
    [{ grace_period_minutes: 60, expires_in_days: 366 }, 'expires_in_days'],
    [{ grace_period_minutes: 60, expires_in_days: 'never' }, 'expires_in_days'],
  ])('refuses %o with a 400 naming %s, writing nothing', async (body, field) => {
    const session = await h.session();
    const old = await h.generate(session, { name: 'Kept' });
    const response = await rotate(session, old.token.id, body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_request', details: { field } });
    const rows = await tokenRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ revoked_at: null, replaced_by: null });
  });

  it('accepts the limits of the grace period, 0 and 10080 minutes', async () => {
    const session = await h.session();
    const a = await h.generate(session, { name: 'Long' });
    const response = await rotate(session, a.token.id, { grace_period_minutes: 10_080 });
    expect(response.statusCode).toBe(201);
    const old = (await h.request({ url: `/api/tokens/${a.token.id}`, session })).json();
    expect(old.revoked_at).toBe(new Date(START.getTime() + 7 * DAY).toISOString());
  });

  it("is 404 for another person's token and 403 for a service token rotated by a non-Admin", async () => {
    const owner = await h.session();
    const other = await h.session('manager');
    const mine = await h.generate(owner, { name: 'Mine' });
    expect((await rotate(other, mine.token.id, { grace_period_minutes: 0 })).statusCode).toBe(404);
    const admin = await h.session('admin');
    expect((await rotate(admin, mine.token.id, { grace_period_minutes: 0 })).statusCode).toBe(404);

    const svc = await h.serviceUser({ name: 'svc-deploy' });
    const service = await h.generate(admin, {
      name: 'Svc',
      kind: 'service',
      service_user_id: svc.id,
      scopes: ['scim'],
    });
    expect((await rotate(other, service.token.id, { grace_period_minutes: 0 })).statusCode).toBe(403);
    expect(await tokenRows()).toHaveLength(2);
    const done = await rotate(admin, service.token.id, { grace_period_minutes: 0 });
    expect(done.statusCode).toBe(201);
    expect(done.json().secret).toMatch(/^tsr_svc_/);
    expect(done.json().token).toMatchObject({ kind: 'service', scopes: ['scim'], owner: { id: svc.id } });
  });

  it('refuses to rotate the token of a deactivated owner, writing nothing', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser({ name: 'svc-leaving' });
    const service = await h.generate(admin, { name: 'Svc', kind: 'service', service_user_id: svc.id });
    // Deactivated behind the API's back, token left active (as the matrix's dSvc column does).
    await db().updateTable('accounts').set({ deactivated_at: START }).where('id', '=', svc.id).execute();
    const response = await rotate(admin, service.token.id, { grace_period_minutes: 0 });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('owner_deactivated');
    expect(await tokenRows()).toHaveLength(1);
    expect((await tokenRows())[0]).toMatchObject({ revoked_at: null, replaced_by: null });
  });

  it('a replaced token cannot be restored once revoked, and its replacement keeps the name', async () => {
    const session = await h.session();
    const old = await h.generate(session, { name: 'Kept name' });
    const next = (await rotate(session, old.token.id, { grace_period_minutes: 0 })).json();
    const restore = await h.request({ url: `/api/tokens/${old.token.id}/restore`, session, body: {} });
    expect(restore.statusCode).toBe(409);
    expect(restore.json().message).toMatch(/replaced by rotation/);
    // The name is the replacement's now: a new token cannot take it.
    const clash = await h.request({
      url: '/api/tokens',
      session,
      body: { name: 'kept NAME', kind: 'personal', expires_in_days: 30 },
    });
    expect(clash.statusCode).toBe(409);
    // Deleting the replacement leaves the old one replaced (the link now dangles): still not restorable.
    await h.request({ url: `/api/tokens/${next.token.id}/revoke`, session, body: {} });
    expect(
      (await h.request({ method: 'DELETE', url: `/api/tokens/${next.token.id}`, session })).statusCode,
    ).toBe(204);
    const view = (await h.request({ url: `/api/tokens/${old.token.id}`, session })).json();
    expect(view).toMatchObject({ status: 'revoked', replaced_by: null });
    expect(
      (await h.request({ url: `/api/tokens/${old.token.id}/restore`, session, body: {} })).statusCode,
    ).toBe(409);
  });

  it('revoking a token during its grace period stops it at once', async () => {
    const session = await h.session();
    const old = await h.generate(session, { name: 'Early' });
    await rotate(session, old.token.id, { grace_period_minutes: 60 });
    expect((await me(old.secret)).statusCode).toBe(200);
    const revoke = await h.request({
      url: `/api/tokens/${old.token.id}/revoke`,
      session,
      body: { reason: 'leaked' },
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json()).toMatchObject({ status: 'revoked', revoked_reason: 'leaked' });
    expect((await me(old.secret)).json().code).toBe('token_revoked');
  });
});

describe('self-rotation', () => {
  it('a token rotates itself; the old one keeps working for the grace period and cannot rotate again', async () => {
    const svc = await h.serviceUser({ name: 'svc-pipeline' });
    const admin = await h.session('admin');
    const old = await h.generate(admin, { name: 'Pipeline', kind: 'service', service_user_id: svc.id });
    const response = await h.request({
      url: '/api/tokens/self/rotate',
      token: old.secret,
      body: { grace_period_minutes: 60 },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { token, secret } = response.json();
    expect(token).toMatchObject({ name: 'Pipeline', kind: 'service', replaces: { id: old.token.id } });
    expect((await me(old.secret)).statusCode).toBe(200);
    const again = await h.request({
      url: '/api/tokens/self/rotate',
      token: old.secret,
      body: { grace_period_minutes: 60 },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('already_rotated');
    // The new token rotates in its turn.
    const next = await h.request({
      url: '/api/tokens/self/rotate',
      token: secret,
      body: { grace_period_minutes: 0 },
    });
    expect(next.statusCode).toBe(201);
    expect((await me(secret)).json().code).toBe('token_revoked');
    const [first] = await auditRows('token.rotated');
    expect(first!.details).toMatchObject({ self: true });
    expect(first!.actor_token_id).toBe(old.token.id);
  });

  it('is 403 for a console session and 400 naming the field for a bad grace period', async () => {
    const session = await h.session();
    const own = await h.generate(session, { name: 'Own' });
    const bySession = await h.request({
      url: '/api/tokens/self/rotate',
      session,
      body: { grace_period_minutes: 0 },
    });
    expect(bySession.statusCode).toBe(403);
    const bad = await h.request({
      url: '/api/tokens/self/rotate',
      token: own.secret,
      body: { grace_period_minutes: 10_081 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.field).toBe('grace_period_minutes');
    expect(await tokenRows()).toHaveLength(1);
  });
});

describe('descriptions', () => {
  it('is set at generation, trimmed, with newlines kept, and empty means none', async () => {
    const session = await h.session();
    const a = await h.generate(session, { name: 'A', description: '  Line one\r\nLine two  ' });
    expect(a.token.description).toBe('Line one\nLine two');
    const b = await h.generate(session, { name: 'B', description: '   ' });
    expect(b.token.description).toBeNull();
    const c = await h.generate(session, { name: 'C' });
    expect(c.token.description).toBeNull();
  });

  it.each([
    ['x'.repeat(501), 'at most 500'],
    ['tab\there', 'control characters'],
    ['nul\u0000', 'NUL'],
    ['line\u2028separator', 'control characters'],
    ['bell\u0007', 'control characters'],
  ])(
    'refuses %j at generation and in an edit with a 400 naming description',
    async (description, message) => {
      const session = await h.session();
      const generated = await h.request({
        url: '/api/tokens',
        session,
        body: { name: 'Bad', kind: 'personal', expires_in_days: 30, description },
      });
      expect(generated.statusCode).toBe(400);
      expect(generated.json()).toMatchObject({ details: { field: 'description' } });
      expect(generated.json().message).toContain(message);
      expect(await tokenRows()).toHaveLength(0);
      const token = await h.generate(session, { name: 'Good', description: 'kept' });
      const edited = await h.request({
        method: 'PATCH',
        url: `/api/tokens/${token.token.id}`,
        session,
        body: { name: 'Renamed', description },
      });
      expect(edited.statusCode).toBe(400);
      expect(edited.json().details.field).toBe('description');
      // Nothing half written: the valid name did not go in either.
      expect((await tokenRows())[0]).toMatchObject({ name: 'Good', description: 'kept' });
    },
  );

  it('accepts exactly 500 characters', async () => {
    const session = await h.session();
    const token = await h.generate(session, { name: 'Full', description: 'é'.repeat(500) });
    expect(token.token.description).toHaveLength(500);
  });

  it('edits name and description with the permission of revoke, audited, and refuses a taken name', async () => {
    const session = await h.session();
    const token = await h.generate(session, { name: 'Old name' });
    await h.generate(session, { name: 'Taken' });
    const edited = await h.request({
      method: 'PATCH',
      url: `/api/tokens/${token.token.id}`,
      session,
      body: { name: 'New name', description: 'Used by the nightly export' },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ name: 'New name', description: 'Used by the nightly export' });
    expect((await me(token.secret)).json().token).toMatchObject({ name: 'New name' });
    const [event] = await auditRows('token.updated');
    expect(event!.details).toEqual({
      changes: {
        name: { from: 'Old name', to: 'New name' },
        description: { from: null, to: 'Used by the nightly export' },
      },
    });

    const cleared = await h.request({
      method: 'PATCH',
      url: `/api/tokens/${token.token.id}`,
      session,
      body: { description: null },
    });
    expect(cleared.json()).toMatchObject({ name: 'New name', description: null });

    const clash = await h.request({
      method: 'PATCH',
      url: `/api/tokens/${token.token.id}`,
      session,
      body: { name: 'taken' },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toMatchObject({ code: 'name_taken', details: { field: 'name' } });
    for (const body of [{ name: '' }, { name: 'x'.repeat(101) }, { name: 'a\u0007b' }, { nme: 'typo' }]) {
      const bad = await h.request({ method: 'PATCH', url: `/api/tokens/${token.token.id}`, session, body });
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json().details.field, JSON.stringify(body)).toBe(Object.keys(body)[0]);
    }
    expect(await auditRows('token.updated')).toHaveLength(2);

    const other = await h.session();
    const notTheirs = await h.request({
      method: 'PATCH',
      url: `/api/tokens/${token.token.id}`,
      session: other,
      body: { name: 'Stolen' },
    });
    expect(notTheirs.statusCode).toBe(404);
    const svc = await h.serviceUser();
    const admin = await h.session('admin');
    const service = await h.generate(admin, { name: 'Svc', kind: 'service', service_user_id: svc.id });
    const byMember = await h.request({
      method: 'PATCH',
      url: `/api/tokens/${service.token.id}`,
      session,
      body: { description: 'mine now' },
    });
    expect(byMember.statusCode).toBe(403);
  });

  it('the list search finds a token by its description', async () => {
    const session = await h.session();
    await h.generate(session, { name: 'Alpha', description: 'Pushes to the Artifact registry' });
    await h.generate(session, { name: 'Beta', description: 'Reads metrics' });
    await h.generate(session, { name: 'Artifact reader' });
    const found = await h.request({ url: '/api/tokens?kind=personal&q=artifact&sort=name', session });
    expect(found.json().items.map((t: { name: string }) => t.name)).toEqual(['Alpha', 'Artifact reader']);
  });
});
