import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/core/secret.ts';
import { DAY } from '../support/clock.ts';
import { SESSION_TTL_HOURS, setupHarness } from '../support/harness.ts';

const h = setupHarness();

describe('bearer authentication', () => {
  it('lets a generated token call /api/me, which names the account and the token', async () => {
    const session = await h.session('manager');
    const { token, secret } = await h.generate(session, { name: 'Script' });
    const response = await h.request({ url: '/api/me', token: secret });
    expect(response.statusCode).toBe(200);
    const me = response.json();
    expect(me.account).toMatchObject({ id: session.account.id, role: 'manager', kind: 'human' });
    expect(me.account.teams.map((t: { name: string }) => t.name)).toEqual(['Public']);
    expect(me.via).toBe('token');
    expect(me.token).toMatchObject({ id: token.id, name: 'Script', status: 'active' });
    expect(me.csrf_token).toBeNull();
  });

  it.each([
    ['a broken checksum', (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A'), 'token_malformed'],
    ['a foreign prefix', (s: string) => `ghp_${s.slice(8)}`, 'token_malformed'],
    ['an empty string', () => '', 'token_malformed'],
    ['a well-formed token nobody issued', () => generateSecret('personal'), 'token_unknown'],
  ])('refuses %s with 401 and the RFC 6750 header', async (_what, mangle, code) => {
    const { secret } = await h.generate(await h.session(), { name: 'Real' });
    const response = await h.request({
      url: '/api/me',
      headers: { authorization: `Bearer ${mangle(secret)}` },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe(code);
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer realm="tessera", error="invalid_token", error_description="[^"]+"$/,
    );
  });

  it('refuses a header that is not a bearer token as malformed', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'token abc']) {
      const response = await h.request({ url: '/api/me', headers: { authorization: header } });
      expect(response.statusCode, header).toBe(401);
      expect(response.json().code).toBe('token_malformed');
    }
  });

  it('rejects a malformed token without touching the database', async () => {
    const before = h.services.metrics.authentications.get({ result: 'token_malformed' });
    // With the database closed to this request, only the offline check can answer.
    const response = await h.request({ url: '/api/me', token: 'tsr_pat_not-even-close' });
    expect(response.json().code).toBe('token_malformed');
    expect(h.services.metrics.authentications.get({ result: 'token_malformed' })).toBe(before + 1);
  });

  it('answers token_revoked after revoke, and restore brings the token back', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Revocable' });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session, body: { reason: 'leaked' } });
    const refused = await h.request({ url: '/api/me', token: secret });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ code: 'token_revoked', message: 'This token has been revoked.' });
    await h.request({ url: `/api/tokens/${token.id}/restore`, session, body: {} });
    expect((await h.request({ url: '/api/me', token: secret })).statusCode).toBe(200);
  });

  it('answers token_expired once expires_at has passed, even for a revoked token', async () => {
    const session = await h.session();
    const { secret } = await h.generate(session, { name: 'Short', expires_in_days: 1 });
    const { token: revoked, secret: revokedSecret } = await h.generate(session, {
      name: 'Both',
      expires_in_days: 1,
    });
    await h.request({ url: `/api/tokens/${revoked.id}/revoke`, session, body: {} });
    h.clock.advance(DAY - 1);
    expect((await h.request({ url: '/api/me', token: secret })).statusCode).toBe(200);
    h.clock.advance(1);
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('token_expired');
    expect((await h.request({ url: '/api/me', token: revokedSecret })).json().code).toBe('token_expired');
  });

  it('answers owner_deactivated when the owner is deactivated but the token is not revoked', async () => {
    const owner = await h.serviceUser();
    const admin = await h.session('admin');
    const { secret } = await h.generate(admin, {
      name: 'Pipeline',
      kind: 'service',
      service_user_id: owner.id,
    });
    // Deactivation refuses while tokens are active, so set the flag directly: the check is defence in depth.
    await sql`update accounts set deactivated_at = now() where id = ${owner.id}`.execute(
      h.database.handle.db,
    );
    const response = await h.request({ url: '/api/me', token: secret });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('owner_deactivated');
  });

  it('checks in order: malformed, unknown, then state, then owner', async () => {
    const owner = await h.serviceUser();
    const admin = await h.session('admin');
    const { token, secret } = await h.generate(admin, {
      name: 'Ordered',
      kind: 'service',
      service_user_id: owner.id,
      expires_in_days: 1,
    });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session: admin, body: {} });
    await sql`update accounts set deactivated_at = now() where id = ${owner.id}`.execute(
      h.database.handle.db,
    );
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('token_revoked');
    h.clock.advance(2 * DAY);
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('token_expired');
  });

  it('obeys a role change on the very next request', async () => {
    const admin = await h.session('admin');
    const person = await h.person({ role: 'member' });
    const session = await h.signIn(person);
    const { secret } = await h.generate(session, { name: 'Mine' });
    expect((await h.request({ url: '/api/users', token: secret })).statusCode).toBe(403);
    await h.request({
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      session: admin,
      body: { role: 'manager' },
    });
    expect((await h.request({ url: '/api/users', token: secret })).statusCode).toBe(200);
    await h.request({
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      session: admin,
      body: { role: 'member' },
    });
    expect((await h.request({ url: '/api/users', token: secret })).statusCode).toBe(403);
  });

  it('asks for credentials when there are none', async () => {
    const response = await h.request({ url: '/api/tokens' });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('authentication_required');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="tessera"');
  });

  it('counts successes and each failure in /metrics', async () => {
    const { secret } = await h.generate(await h.session(), { name: 'Counted' });
    const success = h.services.metrics.authentications.get({ result: 'success' });
    const unknown = h.services.metrics.authentications.get({ result: 'token_unknown' });
    await h.request({ url: '/api/me', token: secret });
    await h.request({ url: '/api/me', token: generateSecret('service') });
    const text = (await h.request({ url: '/metrics' })).body;
    expect(text).toContain(`tessera_authentications_total{result="success"} ${success + 1}`);
    expect(text).toContain(`tessera_authentications_total{result="token_unknown"} ${unknown + 1}`);
  });

  it('records failed authentications in the audit log, summed per code, address and token', async () => {
    const admin = await h.session('admin');
    const unknown = generateSecret('personal');
    for (let i = 0; i < 5; i++) await h.request({ url: '/api/me', token: unknown });
    await h.services.audit.flushFailures();
    const events = (await h.request({ url: '/api/audit?action=auth.failed', session: admin })).json().items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'auth.failed',
      ip: '127.0.0.1',
      details: { code: 'token_unknown', count: 5 },
    });
    expect(JSON.stringify(events)).not.toContain(unknown);
  });
});

describe('SCIM-only tokens', () => {
  it('may call nothing outside /scim/v2/: 403 insufficient_scope', async () => {
    const admin = await h.session('admin');
    const scim = await h.serviceUser({ role: 'admin' });
    const { secret } = await h.generate(admin, {
      name: 'SCIM',
      kind: 'service',
      service_user_id: scim.id,
      scopes: ['scim'],
    });
    const response = await h.request({ url: '/api/me', token: secret });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('insufficient_scope');
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });

  it('passes forward auth only for a proxied path under /scim/v2/', async () => {
    const admin = await h.session('admin');
    const scim = await h.serviceUser({ role: 'admin' });
    const { secret } = await h.generate(admin, {
      name: 'SCIM',
      kind: 'service',
      service_user_id: scim.id,
      scopes: ['scim'],
    });
    const allowed = await h.request({
      url: '/auth/check',
      token: secret,
      headers: { 'x-forwarded-uri': '/scim/v2/Users' },
    });
    expect(allowed.statusCode).toBe(200);
    const refused = await h.request({
      url: '/auth/check',
      token: secret,
      headers: { 'x-original-uri': '/api/data' },
    });
    expect(refused.statusCode).toBe(403);
    expect((await h.request({ url: '/auth/check', token: secret })).statusCode).toBe(403);
  });

  it('cannot be generated by anyone but an Admin', async () => {
    const member = await h.session('member');
    const response = await h.request({
      url: '/api/tokens',
      session: member,
      body: { name: 'x', kind: 'personal', expires_in_days: 30, scopes: ['scim'] },
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('GET /auth/check (forward auth)', () => {
  it('answers 200 with the X-Tessera headers', async () => {
    const admin = await h.session('admin');
    const team = (
      await h.request({ url: '/api/teams', session: admin, body: { name: 'Data Platform' } })
    ).json();
    const svc = await h.serviceUser({ role: 'manager' });
    await h.request({
      method: 'PATCH',
      url: `/api/users/${svc.id}`,
      session: admin,
      body: { team_ids: [team.id] },
    });
    const { token, secret } = await h.generate(admin, {
      name: 'Proxy',
      kind: 'service',
      service_user_id: svc.id,
    });
    const response = await h.request({ url: '/auth/check', token: secret });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'x-tessera-user': svc.internal_id ?? '',
      'x-tessera-kind': 'service',
      'x-tessera-role': 'manager',
      'x-tessera-teams': 'Data Platform,Public',
      'x-tessera-token-id': token.id,
    });
  });

  it('answers for any method a proxy forwards, and 401 with a code otherwise', async () => {
    const { secret } = await h.generate(await h.session(), { name: 'Any method' });
    for (const method of ['GET', 'HEAD', 'POST', 'DELETE'] as const) {
      expect((await h.request({ method, url: '/auth/check', token: secret })).statusCode, method).toBe(200);
    }
    const missing = await h.request({ url: '/auth/check' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().code).toBe('authentication_required');
    const unknown = await h.request({ url: '/auth/check', token: generateSecret('service') });
    expect(unknown.json().code).toBe('token_unknown');
  });

  it('does not accept a console session', async () => {
    const session = await h.session();
    expect((await h.request({ url: '/auth/check', session })).statusCode).toBe(401);
  });
});

describe('POST /api/introspect (RFC 7662)', () => {
  it('describes an active token, from a form or JSON body', async () => {
    const session = await h.session('manager');
    const { token, secret } = await h.generate(session, { name: 'Introspected', expires_in_days: 30 });
    const form = await h.app.inject({
      method: 'POST',
      url: '/api/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${secret}&token_type_hint=access_token`,
    });
    expect(form.statusCode).toBe(200);
    const body = form.json();
    expect(body).toEqual({
      active: true,
      sub: session.account.id,
      username: session.account.email,
      token_type: 'personal',
      token_id: token.id,
      name: 'Introspected',
      exp: Math.floor(new Date(token.expires_at ?? 0).getTime() / 1000),
      iat: Math.floor(new Date(token.created_at).getTime() / 1000),
      scope: 'api',
      role: 'manager',
      teams: ['Public'],
    });
    const json = await h.request({ url: '/api/introspect', body: { token: secret } });
    expect(json.json()).toEqual(body);
  });

  it('says only active: false for anything that would not authenticate', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Gone' });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session, body: {} });
    for (const candidate of [secret, generateSecret('personal'), 'nonsense', '']) {
      const response = await h.request({ url: '/api/introspect', body: { token: candidate } });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ active: false });
    }
  });

  it('names the missing field', async () => {
    const response = await h.request({ url: '/api/introspect', body: {} });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.field).toBe('token');
  });
});

describe('console sessions', () => {
  it('signs in with a cookie that is httpOnly and SameSite=Strict', async () => {
    const person = await h.person();
    const response = await h.request({
      url: '/api/auth/login',
      body: { email: person.email, password: 'correct horse battery staple' },
    });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === 'tessera_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(response.json().csrf_token).toMatch(/^[\w-]{32}$/);
  });

  it('refuses a wrong password, an unknown email and a service user alike', async () => {
    const person = await h.person();
    const svc = await h.serviceUser({ email: 'robot@example.com' });
    for (const body of [
      { email: person.email, password: 'wrong password!!' },
      { email: 'nobody@example.com', password: 'correct horse battery staple' },
      { email: svc.email, password: 'correct horse battery staple' },
    ]) {
      const response = await h.request({ url: '/api/auth/login', body });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        code: 'invalid_credentials',
        message: 'The email or password is not right.',
      });
    }
  });

  it('needs the CSRF header for changes made with the cookie', async () => {
    const session = await h.session();
    const without = await h.request({
      url: '/api/tokens',
      session,
      withoutCsrf: true,
      body: { name: 'x', expires_in_days: 30 },
    });
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('csrf_failed');
    const wrong = await h.request({
      url: '/api/tokens',
      session,
      withoutCsrf: true,
      headers: { 'x-csrf-token': 'not-the-token' },
      body: { name: 'x', expires_in_days: 30 },
    });
    expect(wrong.statusCode).toBe(403);
    // Reads need no CSRF header.
    expect((await h.request({ url: '/api/tokens', session, withoutCsrf: true })).statusCode).toBe(200);
  });

  it('refuses a cross-site change even with the right CSRF token', async () => {
    const session = await h.session();
    const crossOrigin = await h.request({
      url: '/api/tokens',
      session,
      headers: { origin: 'https://evil.example' },
      body: { name: 'x', expires_in_days: 30 },
    });
    expect(crossOrigin.statusCode).toBe(403);
    const crossSite = await h.request({
      url: '/api/tokens',
      session,
      headers: { 'sec-fetch-site': 'cross-site' },
      body: { name: 'x', expires_in_days: 30 },
    });
    expect(crossSite.statusCode).toBe(403);
    const nullOrigin = await h.request({
      url: '/api/tokens',
      session,
      headers: { origin: 'null' },
      body: { name: 'x', expires_in_days: 30 },
    });
    expect(nullOrigin.statusCode).toBe(403);
  });

  it('accepts a same-host change whose scheme differs, as behind a TLS-terminating proxy', async () => {
    const session = await h.session();
    const response = await h.request({
      url: '/api/tokens',
      session,
      headers: { origin: 'https://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' },
      body: { name: 'behind a proxy', expires_in_days: 30 },
    });
    expect(response.statusCode).toBe(201);
  });

  it('ends the session at sign-out, on deactivation, and at expiry', async () => {
    const session = await h.session();
    expect((await h.request({ url: '/api/auth/logout', session, method: 'POST' })).statusCode).toBe(204);
    expect((await h.request({ url: '/api/me', session })).json().code).toBe('session_expired');

    const person = await h.person();
    const other = await h.signIn(person);
    const admin = await h.session('admin');
    await h.request({ url: `/api/users/${person.id}/deactivate`, session: admin, method: 'POST' });
    expect((await h.request({ url: '/api/me', session: other })).statusCode).toBe(401);

    const third = await h.session();
    h.clock.advance(SESSION_TTL_HOURS * 60 * 60 * 1000);
    expect((await h.request({ url: '/api/me', session: third })).statusCode).toBe(401);
  });

  it('gives a new session ID at every sign-in', async () => {
    const person = await h.person();
    const first = await h.signIn(person);
    const second = await h.signIn(person);
    expect(second.cookie).not.toBe(first.cookie);
    const stored = await h.database.handle.db.selectFrom('sessions').select('id_hash').execute();
    expect(stored.map((s) => s.id_hash)).not.toContain(first.cookie);
  });

  it('returns the CSRF token from /api/me for a session', async () => {
    const session = await h.session();
    const me = (await h.request({ url: '/api/me', session })).json();
    expect(me.via).toBe('session');
    expect(me.csrf_token).toBe(session.csrf);
    expect(me.token).toBeNull();
  });

  it('prefers the bearer token when both are sent', async () => {
    const session = await h.session();
    const svc = await h.serviceUser();
    const admin = await h.session('admin');
    const { secret } = await h.generate(admin, { name: 'svc', kind: 'service', service_user_id: svc.id });
    const me = (await h.request({ url: '/api/me', session, token: secret })).json();
    expect(me.account.id).toBe(svc.id);
  });
});
