import { describe, expect, it } from 'vitest';
import { type Session, setupHarness } from '../support/harness.ts';

const h = setupHarness();

async function addScope(admin: Session, name: string, min_role = 'member', description = `${name} access`) {
  const response = await h.request({
    url: '/api/scopes',
    session: admin,
    body: { name, description, min_role },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function tokenCount(): Promise<number> {
  const row = await h.database.handle.db
    .selectFrom('tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const check = (secret: string, query = '', headers: Record<string, string> = {}) =>
  h.request({ url: `/auth/check${query}`, token: secret, headers });

describe('scopes on tokens', () => {
  it('defaults to api, and returns the chosen scopes as given', async () => {
    const admin = await h.session('admin');
    await addScope(admin, 'orders:read');
    const plain = await h.generate(admin, { name: 'Plain', expires_in_days: 30 });
    expect(plain.token.scopes).toEqual(['api']);
    const chosen = await h.generate(admin, {
      name: 'Chosen',
      expires_in_days: 30,
      scopes: ['read_api', 'orders:read', 'read_api'],
    });
    expect(chosen.token.scopes).toEqual(['read_api', 'orders:read']);
    const listed = await h.request({ url: '/api/tokens?scope=orders:read', session: admin });
    expect(listed.json().items.map((t: { name: string }) => t.name)).toEqual(['Chosen']);
  });

  it('refuses bad scopes naming them, in the one error shape, writing nothing', async () => {
    const admin = await h.session('admin');
    const member = await h.session('member');
    await addScope(admin, 'billing:admin', 'admin');
    const before = await tokenCount();
    const send = (session: Session, scopes: unknown) =>
      h.request({ url: '/api/tokens', session, body: { name: 'x', expires_in_days: 30, scopes } });

    const unknown = await send(member, ['api', 'orders:nope']);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: 'invalid_request',
      details: { field: 'scopes', scope: 'orders:nope' },
    });
    expect(unknown.json().message).toContain('"orders:nope"');

    const notAllowed = await send(member, ['billing:admin']);
    expect(notAllowed.statusCode).toBe(403);
    expect(notAllowed.json()).toMatchObject({
      code: 'forbidden',
      details: { field: 'scopes', scope: 'billing:admin' },
    });
    expect(notAllowed.json().message).toContain('"billing:admin"');

    const scim = await send(member, ['scim']);
    expect(scim.statusCode).toBe(403);
    expect(scim.json().details).toMatchObject({ field: 'scopes', scope: 'scim' });

    const many = await send(
      admin,
      Array.from({ length: 51 }, (_, i) => `s${i}`),
    );
    expect(many.statusCode).toBe(400);
    expect(many.json()).toMatchObject({ code: 'invalid_request', details: { field: 'scopes' } });

    const none = await send(admin, []);
    expect(none.statusCode).toBe(400);
    expect(await tokenCount()).toBe(before);
  });
});

describe('the catalog', () => {
  it('is read by anyone signed in and changed by Admins only', async () => {
    const admin = await h.session('admin');
    const member = await h.session('member');
    await addScope(admin, 'orders:write', 'manager', 'Place and cancel orders');
    const list = await h.request({ url: '/api/scopes', session: member });
    expect(list.json().items).toMatchObject([
      { name: 'orders:write', description: 'Place and cancel orders', min_role: 'manager', token_count: 0 },
    ]);
    const denied = await h.request({ url: '/api/scopes', session: member, body: { name: 'x' } });
    expect(denied.statusCode).toBe(403);
    const patched = await h.request({
      method: 'PATCH',
      url: '/api/scopes/orders:write',
      session: admin,
      body: { min_role: 'member' },
    });
    expect(patched.json()).toMatchObject({ name: 'orders:write', min_role: 'member' });
    const audit = await h.request({ url: '/api/audit', session: admin });
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['scope.created', 'scope.updated']),
    );
  });

  it.each([
    ['Orders', 'name'],
    ['1orders', 'name'],
    ['orders read', 'name'],
    [`o${'x'.repeat(64)}`, 'name'],
    ['api', 'name'],
    ['scim', 'name'],
  ])('refuses the catalog name %j with 400 naming %s', async (name, field) => {
    const admin = await h.session('admin');
    const response = await h.request({ url: '/api/scopes', session: admin, body: { name } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_request', details: { field } });
    expect((await h.request({ url: '/api/scopes', session: admin })).json().items).toEqual([]);
  });

  it('refuses a name taken, a bad role and an unknown scope', async () => {
    const admin = await h.session('admin');
    await addScope(admin, 'orders:read');
    const again = await h.request({ url: '/api/scopes', session: admin, body: { name: 'orders:read' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().details.field).toBe('name');
    const role = await h.request({
      url: '/api/scopes',
      session: admin,
      body: { name: 'x', min_role: 'owner' },
    });
    expect(role.statusCode).toBe(400);
    expect(role.json().details.field).toBe('min_role');
    const missing = await h.request({ method: 'DELETE', url: '/api/scopes/nope', session: admin });
    expect(missing.statusCode).toBe(404);
  });

  it('deleting a scope says how many active tokens carried it and takes it off them', async () => {
    const admin = await h.session('admin');
    await addScope(admin, 'orders:read');
    const { secret, token } = await h.generate(admin, {
      name: 'Orders',
      expires_in_days: 30,
      scopes: ['orders:read'],
    });
    await h.generate(admin, { name: 'Orders 2', expires_in_days: 30, scopes: ['api', 'orders:read'] });
    expect((await check(secret, '?scope=orders:read')).statusCode).toBe(200);
    expect((await h.request({ url: '/api/scopes', session: admin })).json().items[0].token_count).toBe(2);
    const deleted = await h.request({ method: 'DELETE', url: '/api/scopes/orders:read', session: admin });
    expect(deleted.json()).toEqual({ name: 'orders:read', token_count: 2 });
    const refused = await check(secret, '?scope=orders:read');
    expect(refused.statusCode).toBe(403);
    expect((await h.request({ url: `/api/tokens/${token.id}`, session: admin })).json().scopes).toEqual([]);
    // The same name again gives the old tokens nothing.
    await addScope(admin, 'orders:read');
    expect((await check(secret, '?scope=orders:read')).statusCode).toBe(403);
  });
});

describe('enforcement', () => {
  it('/auth/check: all required scopes, from the query or the header; 403 insufficient_scope otherwise', async () => {
    const admin = await h.session('admin');
    await addScope(admin, 'orders:read');
    await addScope(admin, 'orders:write');
    const { secret } = await h.generate(admin, {
      name: 'Reader',
      expires_in_days: 30,
      scopes: ['orders:read'],
    });
    const ok = await check(secret, '?scope=orders:read');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-tessera-scopes']).toBe('orders:read');
    expect((await check(secret, '', { 'x-tessera-required-scope': 'orders:read' })).statusCode).toBe(200);

    const both = await check(secret, '?scope=orders:read&scope=orders:write');
    expect(both.statusCode).toBe(403);
    expect(both.json()).toMatchObject({
      code: 'insufficient_scope',
      details: { scopes: ['orders:read', 'orders:write'] },
    });
    expect(both.headers['www-authenticate']).toMatch(
      /^Bearer realm="tessera", error="insufficient_scope", error_description="[^"]*", scope="orders:read orders:write"$/,
    );
    const viaHeader = await check(secret, '', { 'x-tessera-required-scope': 'orders:read orders:write' });
    expect(viaHeader.statusCode).toBe(403);
    // A location that asks for no scope wants a full-power token.
    const unscoped = await check(secret);
    expect(unscoped.statusCode).toBe(403);
    expect(unscoped.headers['www-authenticate']).toContain('scope="api"');
    // A proxy configured with a malformed scope keeps its location closed.
    const bad = await check(secret, '?scope=Orders%20Read!');
    expect(bad.statusCode).toBe(403);
    expect(bad.json().code).toBe('required_scope_invalid');

    const full = await h.generate(admin, { name: 'Full', expires_in_days: 30 });
    const fullCheck = await check(full.secret);
    expect(fullCheck.statusCode).toBe(200);
    expect(fullCheck.headers['x-tessera-scopes']).toBe('api');
    // `api` is Tessera's own API, not every upstream's.
    expect((await check(full.secret, '?scope=orders:read')).statusCode).toBe(403);
  });

  it("Tessera's own routes: read_api reads /api only, scim only /scim/v2, upstream-only tokens nothing", async () => {
    const admin = await h.session('admin');
    await addScope(admin, 'orders:read');
    const reader = await h.generate(admin, { name: 'Reader', expires_in_days: 30, scopes: ['read_api'] });
    expect((await h.request({ url: '/api/me', token: reader.secret })).statusCode).toBe(200);
    expect((await h.request({ method: 'HEAD', url: '/api/tokens', token: reader.secret })).statusCode).toBe(
      200,
    );
    const write = await h.request({
      url: '/api/tokens',
      token: reader.secret,
      body: { name: 'More', expires_in_days: 30 },
    });
    expect(write.statusCode).toBe(403);
    expect(write.json().code).toBe('insufficient_scope');
    expect(write.headers['www-authenticate']).toContain('scope="api"');
    expect((await h.request({ url: '/scim/v2/Users', token: reader.secret })).statusCode).toBe(403);
    expect(await tokenCount()).toBe(1);

    const upstream = await h.generate(admin, {
      name: 'Upstream',
      expires_in_days: 30,
      scopes: ['orders:read'],
    });
    const me = await h.request({ url: '/api/me', token: upstream.secret });
    expect(me.statusCode).toBe(403);
    expect(me.headers['www-authenticate']).toContain('scope="read_api"');

    const scim = await h.generate(admin, { name: 'SCIM', expires_in_days: 30, scopes: ['scim'] });
    expect((await h.request({ url: '/scim/v2/Users', token: scim.secret })).statusCode).toBe(200);
    expect((await h.request({ url: '/api/me', token: scim.secret })).statusCode).toBe(403);

    // A session is not a token: scopes do not apply.
    expect(
      (await h.request({ url: '/api/tokens', session: admin, body: { name: 'S', expires_in_days: 30 } }))
        .statusCode,
    ).toBe(201);
  });

  it('introspection returns the effective scopes, space-separated', async () => {
    const admin = await h.session('admin');
    await addScope(admin, 'orders:read');
    const { secret } = await h.generate(admin, {
      name: 'Both',
      expires_in_days: 30,
      scopes: ['read_api', 'orders:read'],
    });
    const response = await h.request({ url: '/api/introspect', body: { token: secret } });
    expect(response.json()).toMatchObject({ active: true, scope: 'read_api orders:read' });
  });

  it("a role downgrade or a raised minimum takes the scope away on the owner's next request", async () => {
    const admin = await h.session('admin');
    const manager = await h.session('manager');
    await addScope(admin, 'deploy', 'manager');
    const { secret } = await h.generate(manager, {
      name: 'Deploy',
      expires_in_days: 30,
      scopes: ['api', 'deploy'],
    });
    expect((await check(secret, '?scope=deploy')).statusCode).toBe(200);
    const demoted = await h.request({
      method: 'PATCH',
      url: `/api/users/${manager.account.id}`,
      session: admin,
      body: { role: 'member' },
    });
    expect(demoted.statusCode, demoted.body).toBe(200);
    const refused = await check(secret, '?scope=deploy');
    expect(refused.statusCode).toBe(403);
    expect((await check(secret)).headers['x-tessera-scopes']).toBe('api');

    await h.request({
      method: 'PATCH',
      url: `/api/users/${manager.account.id}`,
      session: admin,
      body: { role: 'manager' },
    });
    expect((await check(secret, '?scope=deploy')).statusCode).toBe(200);
    await h.request({
      method: 'PATCH',
      url: '/api/scopes/deploy',
      session: admin,
      body: { min_role: 'admin' },
    });
    expect((await check(secret, '?scope=deploy')).statusCode).toBe(403);
  });
});
