import { describe, expect, it } from 'vitest';
import { generateSecret, secretChecksum } from '../../src/core/secret.ts';
import { setupHarness } from '../support/harness.ts';

const h = setupHarness({
  env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '5', TESSERA_AUTH_FAILURE_WINDOW_SECONDS: '60' },
});

const form = (body: string, remoteAddress = '127.0.0.1') =>
  h.app.inject({
    method: 'POST',
    url: '/api/revoke',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    remoteAddress,
    payload: body,
  });

async function statusOf(id: string, session: Parameters<typeof h.request>[0]['session']) {
  return (await h.request({ url: `/api/tokens/${id}`, session })).json();
}

async function auditOf(action: string) {
  return h.database.handle.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', action)
    .orderBy('at')
    .execute();
}

describe('POST /api/revoke (RFC 7009)', () => {
  it('revokes a token by its secret, form-encoded, audited as revoked by value', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Leaked' });
    const response = await form(`token=${secret}&token_type_hint=access_token`);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers['cache-control']).toBe('no-store');
    const after = await statusOf(token.id, session);
    expect(after).toMatchObject({ status: 'revoked', revoked_reason: 'revoked by value' });
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('token_revoked');
    const [event] = await auditOf('token.revoked');
    expect(event).toMatchObject({
      actor_id: session.account.id,
      actor_token_id: token.id,
      target_id: token.id,
      details: { reason: 'revoked by value', via: 'revocation endpoint' },
    });
  });

  it('revokes a service token from JSON, though its service user may not manage tokens', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser({ role: 'member' });
    const { token, secret } = await h.generate(admin, {
      name: 'CI',
      kind: 'service',
      service_user_id: svc.id,
    });
    const response = await h.request({ url: '/api/revoke', body: { token: secret } });
    expect(response.statusCode).toBe(200);
    expect((await statusOf(token.id, admin)).status).toBe('revoked');
    expect((await auditOf('token.revoked'))[0]).toMatchObject({ actor_id: svc.id });
  });

  it('answers 200 and changes nothing for garbage, an unknown secret or a revoked token', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Kept' });
    const revoked = await h.generate(session, { name: 'Revoked already' });
    await h.request({ url: `/api/tokens/${revoked.token.id}/revoke`, session, body: { reason: 'mine' } });
    const body = secret.slice(0, -6);
    const nearMiss = `${body.slice(0, -1)}${body.endsWith('a') ? 'b' : 'a'}`;
    for (const candidate of [
      'garbage',
      '',
      generateSecret('personal'),
      nearMiss + secretChecksum(nearMiss),
    ]) {
      const response = await form(`token=${encodeURIComponent(candidate)}`, '10.0.0.1');
      expect(response.statusCode, candidate).toBe(200);
      expect(response.body).toBe('');
    }
    expect((await form(`token=${revoked.secret}`, '10.0.0.2')).statusCode).toBe(200);
    expect(await statusOf(token.id, session)).toMatchObject({ status: 'active' });
    expect(await statusOf(revoked.token.id, session)).toMatchObject({ revoked_reason: 'mine' });
    expect(await auditOf('token.revoked')).toHaveLength(1);
  });

  it('counts what does not authenticate against the failure budget: 429 over it', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await form(`token=${generateSecret('personal')}`, '10.0.0.3')).statusCode).toBe(200);
    }
    const limited = await form(`token=${generateSecret('personal')}`, '10.0.0.3');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBeDefined();
    // Even a real secret waits, from that address: the limit is checked before any lookup.
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Real' });
    expect((await form(`token=${secret}`, '10.0.0.3')).statusCode).toBe(429);
    expect((await statusOf(token.id, session)).status).toBe('active');
  });

  it('refuses a body over 4 KiB with 413, a missing token with 400, and other types with 415', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Big' });
    const big = await form(`token=${secret}&pad=${'x'.repeat(10 * 1024)}`);
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBeDefined();
    const missing = await form('token_type_hint=access_token');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().details.field).toBe('token');
    const text = await h.app.inject({
      method: 'POST',
      url: '/api/revoke',
      headers: { 'content-type': 'text/plain' },
      payload: secret,
    });
    expect(text.statusCode).toBe(415);
    expect((await statusOf(token.id, session)).status).toBe('active');
    expect(await auditOf('token.revoked')).toHaveLength(0);
  });

  it('stops a token on every cached verification at once', async () => {
    const session = await h.session();
    const { secret } = await h.generate(session, { name: 'Cached' });
    expect((await h.request({ url: '/api/me', token: secret })).statusCode).toBe(200);
    expect((await form(`token=${secret}`)).statusCode).toBe(200);
    expect((await h.request({ url: '/api/me', token: secret })).statusCode).toBe(401);
  });
});

describe('revoking leaked secrets (Admins)', () => {
  it('finds every valid secret in a text and says what each is, without sending it back', async () => {
    const admin = await h.session('admin');
    const member = await h.session();
    const mine = await h.generate(member, { name: 'Laptop' });
    const svc = await h.serviceUser();
    const service = await h.generate(admin, { name: 'Deploy', kind: 'service', service_user_id: svc.id });
    const unknown = generateSecret('service');
    const text = `log: Bearer ${mine.secret}\n+ TOKEN=${service.secret}\n${unknown} ${mine.secret} tsr_pat_short`;
    const response = await h.request({ url: '/api/leaked-secrets/lookup', session: admin, body: { text } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const { items } = response.json();
    expect(items).toMatchObject([
      {
        kind: 'personal',
        hint: mine.secret.slice(-4),
        token: { id: mine.token.id, name: 'Laptop', status: 'active', owner: { id: member.account.id } },
        revoked: false,
      },
      { kind: 'service', hint: service.secret.slice(-4), token: { id: service.token.id }, revoked: false },
      { kind: 'service', hint: unknown.slice(-4), token: null, revoked: false },
    ]);
    for (const secret of [mine.secret, service.secret, unknown]) {
      expect(response.body).not.toContain(secret.slice(8, -4));
    }
    expect((await statusOf(mine.token.id, member)).status).toBe('active');
  });

  it("revokes the chosen ones, anyone's, with the reason leaked, each audited", async () => {
    const admin = await h.session('admin');
    const member = await h.session();
    const a = await h.generate(member, { name: 'A' });
    const b = await h.generate(member, { name: 'B' });
    const gone = await h.generate(member, { name: 'Gone' });
    await h.request({ url: `/api/tokens/${gone.token.id}/revoke`, session: member, body: {} });
    const response = await h.request({
      url: '/api/leaked-secrets/revoke',
      session: admin,
      body: { secrets: [a.secret, gone.secret, a.secret, generateSecret('personal')] },
    });
    expect(response.statusCode).toBe(200);
    const { items } = response.json();
    expect(items.map((i: { revoked: boolean }) => i.revoked)).toEqual([true, false, false]);
    expect(items[0].token).toMatchObject({ status: 'revoked', revoked_reason: 'leaked' });
    expect(items[2].token).toBeNull();
    expect((await statusOf(b.token.id, member)).status).toBe('active');
    const events = await auditOf('token.revoked');
    expect(events.map((e) => [e.target_id, e.actor_id, e.details])).toEqual([
      [gone.token.id, member.account.id, { reason: null }],
      [a.token.id, admin.account.id, { reason: 'leaked' }],
    ]);
    expect((await h.request({ url: '/api/me', token: a.secret })).json().code).toBe('token_revoked');
  });

  it('refuses a malformed secret naming it, and then revokes nothing', async () => {
    const admin = await h.session('admin');
    const member = await h.session();
    const a = await h.generate(member, { name: 'A' });
    const response = await h.request({
      url: '/api/leaked-secrets/revoke',
      session: admin,
      body: { secrets: [a.secret, `${a.secret.slice(0, -1)}x`] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.field).toBe('secrets.1');
    expect((await statusOf(a.token.id, member)).status).toBe('active');
    const empty = await h.request({
      url: '/api/leaked-secrets/revoke',
      session: admin,
      body: { secrets: [] },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().details.field).toBe('secrets');
  });

  it('refuses a text with more than 100 secrets, naming the field', async () => {
    const admin = await h.session('admin');
    const text = Array.from({ length: 101 }, () => generateSecret('personal')).join(' ');
    const response = await h.request({ url: '/api/leaked-secrets/lookup', session: admin, body: { text } });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.field).toBe('text');
    const hundred = text.split(' ').slice(0, 100).join('\n');
    const ok = await h.request({
      url: '/api/leaked-secrets/lookup',
      session: admin,
      body: { text: hundred },
    });
    expect(ok.json().items).toHaveLength(100);
  });

  it('is for Admins only', async () => {
    const manager = await h.session('manager');
    for (const [url, body] of [
      ['/api/leaked-secrets/lookup', { text: '' }],
      ['/api/leaked-secrets/revoke', { secrets: [generateSecret('personal')] }],
    ] as const) {
      expect((await h.request({ url, session: manager, body })).statusCode).toBe(403);
    }
  });
});
