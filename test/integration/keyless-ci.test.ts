import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CiIssuer, startCiIssuer } from '../support/ci-issuer.ts';
import { MINUTE, SECOND } from '../support/clock.ts';
import { type Session, setupHarness } from '../support/harness.ts';

// Keyless CI (issue 28): a CI job trades the OIDC token its platform signed for a short-lived service
// token. The issuer here is real (a discovery document and a JWKS on loopback) and its JWTs are shaped like
// GitHub Actions', signed with jose.
let ci: CiIssuer;
beforeAll(async () => {
  ci = await startCiIssuer();
});
afterAll(async () => {
  await ci?.close();
});

const FAILURE_BUDGET = 12;
const h = setupHarness({
  env: () => ({
    TESSERA_TRUST_PROXY: '127.0.0.1',
    TESSERA_AUTH_FAILURES_PER_ADDRESS: String(FAILURE_BUDGET),
    TESSERA_AUTH_FAILURES_PER_TOKEN: '0',
  }),
});

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

function exchange(jwt: string, extra: Record<string, string> = {}, remoteAddress?: string) {
  return h.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'ci-runner/1' },
    payload: new URLSearchParams({
      grant_type: GRANT,
      subject_token: jwt,
      subject_token_type: JWT_TYPE,
      ...extra,
    }).toString(),
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

const check = (secret: string, headers: Record<string, string> = {}) =>
  h.request({ url: '/auth/check', token: secret, headers });

async function setup(policy: Record<string, unknown> = {}) {
  const admin = await h.session('admin');
  const svc = await h.serviceUser({ name: 'deployer', internal_id: 'deployer' });
  const response = await h.request({
    url: `/api/service-users/${svc.id}/trust-policies`,
    session: admin,
    body: {
      issuer: ci.issuer,
      audience: 'tessera',
      conditions: [{ claim: 'sub', value: 'repo:acme/app:ref:refs/heads/main', match: 'exact' }],
      lifetime_minutes: 15,
      ...policy,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { admin, svc, policy: response.json() };
}

async function refusals() {
  return h.database.handle.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'token.exchange_refused')
    .orderBy('at')
    .execute();
}

describe('the exchange', () => {
  it('gives the right job a service token that passes /auth/check and expires on its own within the hour', async () => {
    const { admin, svc, policy } = await setup();
    const response = await exchange(await ci.sign({ now: h.clock.now() }));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toEqual({
      access_token: expect.stringMatching(/^tsr_svc_/),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 15 * 60,
    });
    expect(body.expires_in).toBeLessThan(3600);

    const allowed = await check(body.access_token);
    expect(allowed.statusCode, allowed.body).toBe(200);
    expect(allowed.headers['x-tessera-user']).toBe('deployer@service');
    expect(allowed.headers['x-tessera-kind']).toBe('service');
    expect(allowed.headers['x-tessera-scopes']).toBe('api');

    // An ordinary service token of the service user, marked federated, with its policy and claims.
    const list = await h.request({
      url: `/api/tokens?kind=service&service_user_id=${svc.id}`,
      session: admin,
    });
    const [token] = list.json().items;
    expect(token).toMatchObject({
      kind: 'service',
      status: 'active',
      owner: { id: svc.id },
      federation: {
        trust_policy_id: policy.id,
        claims: {
          iss: ci.issuer,
          sub: 'repo:acme/app:ref:refs/heads/main',
          repository: 'acme/app',
          ref: 'refs/heads/main',
          aud: 'tessera',
        },
      },
    });
    expect(new Date(token.expires_at).getTime()).toBe(h.clock.now().getTime() + 15 * MINUTE);
    const created = await h.database.handle.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'token.created')
      .executeTakeFirstOrThrow();
    expect(created.details).toMatchObject({ via: 'federation', trust_policy_id: policy.id });
    expect(created.ip).toBe('127.0.0.1');

    h.clock.advance(15 * MINUTE + SECOND);
    const expired = await check(body.access_token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('token_expired');
  });

  it('issues tokens with the scopes of the policy', async () => {
    const admin = await h.session('admin');
    const catalog = await h.request({ url: '/api/scopes', session: admin, body: { name: 'deploy:write' } });
    expect(catalog.statusCode, catalog.body).toBe(201);
    await setup({ scopes: ['deploy:write'] });
    const { access_token } = (await exchange(await ci.sign({ now: h.clock.now() }))).json();
    const allowed = await check(access_token, { 'x-tessera-required-scope': 'deploy:write' });
    expect(allowed.statusCode, allowed.body).toBe(200);
    expect(allowed.headers['x-tessera-scopes']).toBe('deploy:write');
    // Not `api`: Tessera's own API is closed to it.
    expect((await h.request({ url: '/api/me', token: access_token })).statusCode).toBe(403);
  });

  it('refuses a replayed jti, another branch, a wrong audience, an expired JWT and another key, each audited', async () => {
    await setup();
    const good = await ci.sign({ now: h.clock.now() });
    expect((await exchange(good)).statusCode).toBe(200);
    const cases: [string, string, RegExp][] = [
      ['replayed jti', good, /exchanged already/],
      ['another branch', await ci.sign({ now: h.clock.now(), ref: 'refs/heads/feature' }), /conditions/],
      ['wrong audience', await ci.sign({ now: h.clock.now(), audience: 'someone-else' }), /audience/],
      ['expired', await ci.sign({ now: new Date(h.clock.now().getTime() - 10 * MINUTE) }), /expired/],
      ['another key', await ci.sign({ now: h.clock.now(), foreignKey: true }), /signature/],
    ];
    for (const [what, jwt, reason] of cases) {
      const response = await exchange(jwt);
      expect(response.statusCode, what).toBe(400);
      expect(response.json(), what).toEqual({
        error: 'invalid_request',
        error_description: expect.stringMatching(reason),
      });
    }
    const rows = await refusals();
    expect(rows).toHaveLength(cases.length);
    for (const [index, row] of rows.entries()) {
      expect(row.details.reason).toMatch(cases[index]![2]);
      expect(row.ip).toBe('127.0.0.1');
      // The claims that failed, never the JWT.
      expect(JSON.stringify(row)).not.toContain(cases[index]![1]);
      expect(JSON.stringify(row)).not.toContain(cases[index]![1].split('.')[2]!);
    }
    expect(rows[0]!.details.failed).toEqual([{ claim: 'jti', actual: expect.any(String) }]);
    expect(rows[1]!.details.failed).toEqual([
      {
        trust_policy_id: expect.any(String),
        conditions: [
          {
            claim: 'sub',
            expected: 'repo:acme/app:ref:refs/heads/main',
            match: 'exact',
            actual: 'repo:acme/app:ref:refs/heads/feature',
          },
        ],
      },
    ]);
    expect(rows[2]!.details.failed).toEqual([{ claim: 'aud', actual: 'someone-else' }]);
    expect(rows[3]!.details.failed).toEqual([{ claim: 'exp', actual: expect.any(Number) }]);
    expect(rows[4]!.details.failed).toEqual([{ check: 'signature' }]);
    // The keys were fetched once and cached.
    expect(ci.jwksFetches).toBeLessThanOrEqual(2);
  });

  it('matches conditions by glob, and a wrong claim of another condition fails', async () => {
    await setup({
      conditions: [
        { claim: 'sub', value: 'repo:acme/app:*', match: 'glob' },
        { claim: 'environment', value: 'prod*', match: 'glob' },
      ],
    });
    const ok = await exchange(await ci.sign({ now: h.clock.now(), claims: { environment: 'production' } }));
    expect(ok.statusCode, ok.body).toBe(200);
    const staging = await exchange(await ci.sign({ now: h.clock.now(), claims: { environment: 'staging' } }));
    expect(staging.statusCode).toBe(400);
    const none = await exchange(await ci.sign({ now: h.clock.now() }));
    expect(none.statusCode).toBe(400);
    const [first] = await refusals();
    expect((first!.details.failed as { conditions: unknown[] }[])[0]!.conditions).toEqual([
      { claim: 'environment', expected: 'prod*', match: 'glob', actual: 'staging' },
    ]);
  });

  it('stops the federated tokens of a deactivated service user, and issues no more', async () => {
    const { admin, svc } = await setup();
    const { access_token } = (await exchange(await ci.sign({ now: h.clock.now() }))).json();
    expect((await check(access_token)).statusCode).toBe(200);
    const deactivated = await h.request({ url: `/api/users/${svc.id}/deactivate`, session: admin, body: {} });
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    const refused = await check(access_token);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('owner_deactivated');
    const again = await exchange(await ci.sign({ now: h.clock.now() }));
    expect(again.statusCode).toBe(400);
    expect(again.json().error_description).toMatch(/deactivated/);
    // Its ordinary service tokens still hold deactivation back, as before (each would stop a pipeline).
    const reactivated = await h.request({ url: `/api/users/${svc.id}/reactivate`, session: admin, body: {} });
    expect(reactivated.statusCode, reactivated.body).toBe(200);
    await h.generate(admin, { kind: 'service', service_user_id: svc.id, name: 'stored' });
    const held = await h.request({ url: `/api/users/${svc.id}/deactivate`, session: admin, body: {} });
    expect(held.statusCode).toBe(409);
    expect(held.json().details).toEqual({ active_tokens: 1 });
  });

  it('answers a request that is not a token exchange in the protocol shape', async () => {
    const wrongGrant = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    });
    expect(wrongGrant.statusCode).toBe(400);
    expect(wrongGrant.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: expect.stringContaining(GRANT),
    });
    const noToken = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=${encodeURIComponent(GRANT)}`,
    });
    expect(noToken.json()).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining('subject_token'),
    });
    const twice = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=${encodeURIComponent(GRANT)}&grant_type=x`,
    });
    expect(twice.json().error).toBe('invalid_request');
    const notJwt = await exchange('not-a-jwt');
    expect(notJwt.json()).toEqual({
      error: 'invalid_request',
      error_description: 'subject_token is not a JWT.',
    });
    const unknownIssuer = await exchange(await ci.sign({ now: h.clock.now() }));
    expect(unknownIssuer.json().error_description).toMatch(/No trust policy trusts the issuer/);
    expect(await refusals()).toHaveLength(5);
  });

  it('counts refusals against the address like failed authentications', async () => {
    await setup();
    for (let i = 0; i < FAILURE_BUDGET; i++) {
      expect((await exchange('not-a-jwt', {}, '192.0.2.7')).statusCode).toBe(400);
    }
    const limited = await exchange(await ci.sign({ now: h.clock.now() }), {}, '192.0.2.7');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    // Another address is not affected.
    expect((await exchange(await ci.sign({ now: h.clock.now() }), {}, '192.0.2.8')).statusCode).toBe(200);
  });

  it('chooses among service users with audience when a JWT meets the policies of more than one', async () => {
    const { admin, svc } = await setup();
    const other = await h.serviceUser({ name: 'other', internal_id: 'other' });
    const created = await h.request({
      url: `/api/service-users/${other.id}/trust-policies`,
      session: admin,
      body: {
        issuer: ci.issuer,
        audience: 'tessera',
        conditions: [{ claim: 'sub', value: 'repo:acme/*', match: 'glob' }],
        lifetime_minutes: 5,
      },
    });
    expect(created.statusCode).toBe(201);
    const ambiguous = await exchange(await ci.sign({ now: h.clock.now() }));
    expect(ambiguous.statusCode).toBe(400);
    expect(ambiguous.json().error_description).toMatch(/audience=/);
    const chosen = await exchange(await ci.sign({ now: h.clock.now() }), { audience: 'other@service' });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json().expires_in).toBe(5 * 60);
    const me = await h.request({ url: '/api/me', token: chosen.json().access_token });
    expect(me.json().account.id).toBe(other.id);
    expect(me.json().account.id).not.toBe(svc.id);
  });
});

describe('trust policies', () => {
  async function create(admin: Session, id: string, body: Record<string, unknown>) {
    return h.request({ url: `/api/service-users/${id}/trust-policies`, session: admin, body });
  }
  const valid = () => ({
    issuer: 'https://token.actions.githubusercontent.com',
    audience: 'https://tessera.example.com',
    conditions: [{ claim: 'sub', value: 'repo:acme/app:ref:refs/heads/main', match: 'exact' }],
    lifetime_minutes: 10,
  });

  it('are listed, changed and deleted by Admins, each audited', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    const created = await create(admin, svc.id, valid());
    expect(created.statusCode, created.body).toBe(201);
    const policy = created.json();
    expect(policy).toMatchObject({ ...valid(), service_user_id: svc.id });

    h.clock.advance(SECOND);
    const changed = await h.request({
      method: 'PATCH',
      url: `/api/service-users/${svc.id}/trust-policies/${policy.id}`,
      session: admin,
      body: { lifetime_minutes: 30 },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ lifetime_minutes: 30, audience: valid().audience });
    const list = await h.request({ url: `/api/service-users/${svc.id}/trust-policies`, session: admin });
    expect(list.json().items).toHaveLength(1);
    h.clock.advance(SECOND);
    const deleted = await h.request({
      method: 'DELETE',
      url: `/api/service-users/${svc.id}/trust-policies/${policy.id}`,
      session: admin,
    });
    expect(deleted.statusCode).toBe(204);
    const after = await h.request({ url: `/api/service-users/${svc.id}/trust-policies`, session: admin });
    expect(after.json().items).toEqual([]);
    const actions = await h.database.handle.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', 'like', 'trust_policy.%')
      .orderBy('at')
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      'trust_policy.created',
      'trust_policy.updated',
      'trust_policy.deleted',
    ]);
  });

  it('refuse bad input, naming the field', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    const cases: [Record<string, unknown>, string][] = [
      [{ issuer: 'http://issuer.example.com' }, 'issuer'],
      [{ issuer: 'not a url' }, 'issuer'],
      [{ issuer: 'https://issuer.example.com/?x=1' }, 'issuer'],
      [{ audience: '  ' }, 'audience'],
      [{ lifetime_minutes: 4 }, 'lifetime_minutes'],
      [{ lifetime_minutes: 61 }, 'lifetime_minutes'],
      [{ conditions: [] }, 'conditions'],
      [{ conditions: [{ claim: 'repository', value: 'acme/app', match: 'exact' }] }, 'conditions'],
      [{ conditions: [{ claim: 'sub', value: '*', match: 'glob' }] }, 'conditions'],
      [{ conditions: [{ claim: 'aud', value: 'x', match: 'exact' }] }, 'conditions[0].claim'],
      [{ conditions: [{ claim: 'bad claim', value: 'x', match: 'exact' }] }, 'conditions[0].claim'],
      [
        {
          conditions: [
            { claim: 'sub', value: 'repo:acme/app:*', match: 'glob' },
            { claim: 'ref', value: '', match: 'exact' },
          ],
        },
        'conditions[1].value',
      ],
      [{ scopes: [] }, 'scopes'],
      [{ scopes: ['no:such-scope'] }, 'scopes'],
    ];
    for (const [change, field] of cases) {
      const response = await create(admin, svc.id, { ...valid(), ...change });
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
      expect(response.json().message, JSON.stringify(change)).toMatch(
        new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}`),
      );
    }
    const member = await h.session('member');
    expect((await create(member, svc.id, valid())).statusCode).toBe(403);
    expect((await create(admin, admin.account.id, valid())).statusCode).toBe(404);
    const listed = await h.request({ url: `/api/service-users/${svc.id}/trust-policies`, session: admin });
    expect(listed.json().items).toEqual([]);
  });
});

describe('network fences', () => {
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('refuse a token fenced to 10.0.0.0/8 from 127.0.0.1 and accept it through a trusted proxy from 10.1.2.3, on cache hits too', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'fenced', allowed_networks: ['10.0.0.0/8'] });
    expect(token.allowed_networks).toEqual(['10.0.0.0/8']);
    const accepted = await check(secret, from('10.1.2.3'));
    expect(accepted.statusCode, accepted.body).toBe(200);
    // The verification is cached now: the fence is still checked against each request's address.
    const refused = await check(secret);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('token_network');
    expect(refused.headers['www-authenticate']).toContain('invalid_token');
    expect(
      (await h.request({ url: '/api/me', token: secret, headers: from('192.168.1.1') })).statusCode,
    ).toBe(401);
    expect((await check(secret, from('10.255.0.1'))).statusCode).toBe(200);
    await h.services.audit.flushFailures();
    const failed = await h.database.handle.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'auth.failed')
      .orderBy('ip')
      .execute();
    expect(failed.map((row) => [row.ip, row.details.code, row.target_id])).toEqual([
      ['127.0.0.1', 'token_network', token.id],
      ['192.168.1.1', 'token_network', token.id],
    ]);
  });

  it('hold for IPv6 networks, and IPv4-mapped addresses count as IPv4', async () => {
    const session = await h.session();
    const { secret } = await h.generate(session, {
      name: 'v6',
      allowed_networks: ['2001:db8::/32', '192.0.2.0/24'],
    });
    expect((await check(secret, from('2001:db8:1::5'))).statusCode).toBe(200);
    expect((await check(secret, from('2001:db9::1'))).statusCode).toBe(401);
    expect((await check(secret, from('::ffff:192.0.2.9'))).statusCode).toBe(200);
    expect((await check(secret, from('192.0.3.1'))).statusCode).toBe(401);
  });

  it('are set later with PATCH, lifted with null, and applied from the next request', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'later' });
    expect(token.allowed_networks).toBeNull();
    expect((await check(secret)).statusCode).toBe(200);
    const fenced = await h.request({
      method: 'PATCH',
      url: `/api/tokens/${token.id}`,
      session,
      body: { allowed_networks: ['10.0.0.0/8', '10.0.0.0/8', ' fd00::/8 '] },
    });
    expect(fenced.statusCode, fenced.body).toBe(200);
    expect(fenced.json().allowed_networks).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect((await check(secret)).statusCode).toBe(401);
    const lifted = await h.request({
      method: 'PATCH',
      url: `/api/tokens/${token.id}`,
      session,
      body: { allowed_networks: null },
    });
    expect(lifted.json().allowed_networks).toBeNull();
    expect((await check(secret)).statusCode).toBe(200);
    const updated = await h.database.handle.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'token.updated')
      .execute();
    expect(updated.map((row) => row.details.changes)).toContainEqual({
      allowed_networks: { from: null, to: ['10.0.0.0/8', 'fd00::/8'] },
    });
  });

  it('refuse bad CIDR input naming the field and the entry, and write nothing', async () => {
    const session = await h.session();
    const cases: [unknown, RegExp][] = [
      [['10.0.0.0/33'], /Entry 1: .*prefix length/],
      [['10.0.0.0/8', '10.1.0.0/8'], /Entry 2: .*did you mean 10\.0\.0\.0\/8/],
      [['nope'], /not an IPv4 or IPv6/],
      [['2001:db8::/129'], /prefix length/],
      [['1.2.3.04'], /not an IPv4/],
      [['2001:db8:::1'], /not an IPv4/],
      [[], /at least one network/],
      [Array(51).fill('10.0.0.0/8'), /At most 50/],
    ];
    for (const [networks, message] of cases) {
      const response = await h.request({
        url: '/api/tokens',
        session,
        body: { name: 'bad', kind: 'personal', expires_in_days: 30, allowed_networks: networks },
      });
      expect(response.statusCode, JSON.stringify(networks)).toBe(400);
      expect(response.json().message).toMatch(/^allowed_networks: /);
      expect(response.json().message).toMatch(message);
      expect(response.json().details).toEqual({ field: 'allowed_networks' });
    }
    const wrongType = await h.request({
      url: '/api/tokens',
      session,
      body: { name: 'bad', kind: 'personal', expires_in_days: 30, allowed_networks: '10.0.0.0/8' },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().message).toMatch(/allowed_networks/);
    const { token } = await h.generate(session, { name: 'ok' });
    const patch = await h.request({
      method: 'PATCH',
      url: `/api/tokens/${token.id}`,
      session,
      body: { allowed_networks: ['300.1.1.1'] },
    });
    expect(patch.statusCode).toBe(400);
    const list = await h.request({ url: '/api/tokens?kind=personal', session });
    expect(list.json().items.map((t: { name: string }) => t.name)).toEqual(['ok']);
    expect(list.json().items[0].allowed_networks).toBeNull();
  });
});
