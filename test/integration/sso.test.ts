// Single sign-on against a real OpenID provider (oidc-provider, test/support/oidc-provider.ts): the
// callback's checks and refusals, finding, linking and creating people, the group mapping, sign-out, and
// password sign-in turned off. Browsers are played by hand here; e2e/sso.spec.ts drives Chromium.
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { StartupError } from '../../src/platform/errors.ts';
import { RelyingParty } from '../../src/sso/index.ts';
import { insertTeam } from '../../src/teams/index.ts';
import { MINUTE } from '../support/clock.ts';
import { type Harness, PASSWORD, setupHarness } from '../support/harness.ts';
import { startOidcProvider, type TestProvider } from '../support/oidc-provider.ts';

const PUBLIC_URL = 'http://tessera.test';
const CALLBACK = `${PUBLIC_URL}/api/auth/oidc/callback`;
const MAPPING = {
  'tessera-admins': { role: 'admin' },
  'data-eng': { role: 'manager', teams: ['Data'] },
  analysts: { teams: ['Analytics'] },
};

let provider: TestProvider;
beforeAll(async () => {
  provider = await startOidcProvider({
    redirectUri: CALLBACK,
    postLogoutRedirectUri: `${PUBLIC_URL}/sign-in`,
  });
});
afterAll(() => provider?.close());

const ssoEnv =
  (extra: Record<string, string> = {}) =>
  () => ({
    TESSERA_PUBLIC_URL: PUBLIC_URL,
    TESSERA_OIDC_ISSUER: provider.issuer,
    TESSERA_OIDC_CLIENT_ID: provider.clientId,
    TESSERA_OIDC_CLIENT_SECRET: provider.clientSecret,
    TESSERA_OIDC_SCOPES: 'openid email profile groups',
    TESSERA_OIDC_BUTTON: 'Sign in with Test IdP',
    ...extra,
  });

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let logins = 0;

/** A person at the provider; `login` is their `sub`. */
function atProvider(person: { email?: string; email_verified?: boolean; name?: string; groups?: string[] }) {
  const login = `user-${++logins}`;
  provider.people.set(login, { email_verified: true, ...person });
  return login;
}

function flow(h: Harness) {
  const begin = async (next?: string) => {
    const response = await h.request({
      url: `/api/auth/oidc/start${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`,
    });
    expect(response.statusCode, response.body).toBe(302);
    const cookie = response.cookies.find((c) => c.name === 'tessera_sso');
    return { location: String(response.headers.location), browser: cookie!.value, cookie: cookie! };
  };
  const callback = (url: URL, browser: string | undefined, headers: Record<string, string> = {}) =>
    h.request({
      url: `${url.pathname}${url.search}`,
      headers: { ...headers, ...(browser ? { cookie: `tessera_sso=${browser}` } : {}) },
    });
  const signInAs = async (login: string, next?: string) => {
    const begun = await begin(next);
    return callback(await provider.authorize(begun.location, login), begun.browser);
  };
  return { begin, callback, signInAs };
}

function sessionCookie(response: LightMyRequestResponse) {
  return response.cookies.find((c) => c.name === 'tessera_session')?.value;
}

function expectRefused(response: LightMyRequestResponse, reason: string) {
  expect(response.statusCode, response.body).toBe(303);
  expect(response.headers.location).toBe(`/sign-in/error?reason=${reason}`);
  expect(sessionCookie(response)).toBeUndefined();
}

async function me(h: Harness, cookie: string) {
  return h.app.inject({ url: '/api/me', headers: { cookie: `tessera_session=${cookie}` } });
}

async function auditRows(h: Harness, action: string) {
  return h.database.handle.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', action)
    .orderBy('id')
    .execute();
}

describe('single sign-on, creating accounts on first sign-in', () => {
  const h = setupHarness({
    env: ssoEnv({
      TESSERA_OIDC_AUTO_CREATE: '1',
      TESSERA_OIDC_GROUPS_CLAIM: 'groups',
      TESSERA_OIDC_GROUP_MAPPING: JSON.stringify(MAPPING),
    }),
  });
  const { begin, callback, signInAs } = flow(h);

  it('tells the sign-in page what it offers', async () => {
    const response = await h.request({ url: '/api/auth/methods' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      password: true,
      sso: { label: 'Sign in with Test IdP', start_url: '/api/auth/oidc/start' },
    });
  });

  it('sends the browser to the provider with PKCE, state and nonce, kept in the database', async () => {
    const { location, cookie } = await begin('/settings/audit-log');
    const url = new URL(location);
    expect(url.origin + url.pathname).toBe(`${provider.issuer}/auth`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: CALLBACK,
      scope: 'openid email profile groups',
      code_challenge_method: 'S256',
    });
    expect(params.state).toMatch(/^[\w-]{43}$/);
    expect(params.nonce).toMatch(/^[\w-]{43}$/);
    expect(params.code_challenge).toMatch(/^[\w-]{43}$/);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/auth/oidc', maxAge: 600 });

    const rows = await h.database.handle.db.selectFrom('sso_sign_ins').selectAll().execute();
    expect(rows).toHaveLength(1);
    // The state is stored as its hash only; the verifier is what the challenge was made from.
    expect(rows[0]).toMatchObject({
      state_hash: sha256(params.state!),
      browser_hash: sha256(cookie.value),
      nonce: params.nonce,
      return_to: '/settings/audit-log',
    });
    const challenge = createHash('sha256').update(rows[0]!.code_verifier).digest('base64url');
    expect(challenge).toBe(params.code_challenge);
  });

  it('returns only to a path on this server', async () => {
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'settings']) {
      await begin(next);
    }
    const rows = await h.database.handle.db.selectFrom('sso_sign_ins').select('return_to').execute();
    expect(rows.map((r) => r.return_to)).toEqual(['/', '/', '/', '/']);
  });

  it('signs in a person by their verified email the first time, then by their identity', async () => {
    const person = await h.person({ email: 'ada@example.com' });
    const login = atProvider({ email: 'Ada@Example.com', name: 'Ada' });
    const first = await signInAs(login, '/settings/audit-log');
    expect(first.statusCode, first.body).toBe(303);
    expect(first.headers.location).toBe('/settings/audit-log');
    const cookie = sessionCookie(first)!;
    expect(String(first.headers['set-cookie'])).toMatch(
      /tessera_session=[\w-]{43}; .*HttpOnly; SameSite=Strict/,
    );
    const signedIn = await me(h, cookie);
    expect(signedIn.json().account).toMatchObject({ id: person.id, email: 'ada@example.com' });

    const links = await h.database.handle.db.selectFrom('sso_identities').selectAll().execute();
    expect(links).toEqual([
      expect.objectContaining({ issuer: provider.issuer, subject: login, account_id: person.id }),
    ]);
    const created = await auditRows(h, 'session.created');
    expect(created.at(-1)).toMatchObject({ actor_id: person.id, details: { via: 'single sign-on' } });

    // The email changes at the provider (and is not even verified any more): the identity still matches.
    provider.people.set(login, { email: 'ada.lovelace@example.com', email_verified: false });
    const again = await signInAs(login);
    expect(again.statusCode, again.body).toBe(303);
    expect((await me(h, sessionCookie(again)!)).json().account.id).toBe(person.id);
  });

  it('gives a new session ID at every sign-in, whatever cookie the browser had', async () => {
    const person = await h.person();
    const password = await h.signIn(person);
    const login = atProvider({ email: person.email! });
    const begun = await begin();
    const response = await callback(await provider.authorize(begun.location, login), undefined, {
      cookie: `tessera_sso=${begun.browser}; tessera_session=${password.cookie}`,
    });
    expect(response.statusCode, response.body).toBe(303);
    expect(sessionCookie(response)).toMatch(/^[\w-]{43}$/);
    expect(sessionCookie(response)).not.toBe(password.cookie);
  });

  it('refuses a replayed callback, a foreign or unknown state, and an expired sign-in', async () => {
    const person = await h.person();
    const login = atProvider({ email: person.email! });

    const begun = await begin();
    const answer = await provider.authorize(begun.location, login);
    // Another browser (an attacker who got hold of the URL) cannot use it, nor can a browser without the cookie…
    expectRefused(await callback(answer, 'x'.repeat(43)), 'invalid_state');
    expectRefused(await callback(answer, undefined), 'invalid_state');
    // …and the person's own browser still can, once.
    expect((await callback(answer, begun.browser)).statusCode).toBe(303);
    expectRefused(await callback(answer, begun.browser), 'invalid_state');

    const tampered = new URL(answer);
    tampered.searchParams.set('state', 'tampered-state');
    expectRefused(await callback(tampered, begun.browser), 'invalid_state');
    const noState = new URL(answer);
    noState.searchParams.delete('state');
    expectRefused(await callback(noState, begun.browser), 'invalid_state');

    const late = await begin();
    const lateAnswer = await provider.authorize(late.location, login);
    h.clock.advance(11 * MINUTE);
    expectRefused(await callback(lateAnswer, late.browser), 'expired');

    const failed = await auditRows(h, 'session.failed');
    expect(failed.map((row) => row.details.reason)).toEqual([
      'invalid_state',
      'invalid_state',
      'invalid_state',
      'invalid_state',
      'invalid_state',
      'expired',
    ]);
    expect(failed.every((row) => row.details.via === 'single sign-on' && row.ip === '127.0.0.1')).toBe(true);
  });

  it('shows the provider refusing (access_denied) as a page, and records it', async () => {
    const login = atProvider({ email: 'cancels@example.com' });
    const begun = await begin();
    const answer = await provider.authorize(begun.location, login, { cancel: true });
    expect(answer.searchParams.get('error')).toBe('access_denied');
    expectRefused(await callback(answer, begun.browser), 'access_denied');
    const [failed] = await auditRows(h, 'session.failed');
    expect(failed!.details).toMatchObject({ reason: 'access_denied', error: 'access_denied' });
  });

  it('answers a hand-made callback with a page, never a 500', async () => {
    const begun = await begin();
    const state = new URL(begun.location).searchParams.get('state')!;
    const forged = new URL(CALLBACK);
    forged.searchParams.set('state', state);
    forged.searchParams.set('iss', provider.issuer);
    forged.searchParams.set('error', 'access denied"><script>');
    forged.searchParams.set('error_description', '<b>Call 555-0100 to restore access</b>');
    expectRefused(await callback(forged, begun.browser), 'provider_error');
    const [failed] = await auditRows(h, 'session.failed');
    expect(failed!.details).toMatchObject({ reason: 'provider_error', error: 'unreadable' });
    expect(JSON.stringify(failed!.details)).not.toContain('555-0100');

    expectRefused(await callback(new URL(CALLBACK), begun.browser), 'invalid_state');
    // A NUL anywhere in a query is refused before any route runs, in the API's error shape.
    forged.searchParams.set('error', 'x\u0000y');
    expect((await callback(forged, begun.browser)).statusCode).toBe(400);
    const long = await h.request({ url: `/api/auth/oidc/start?next=/${'a'.repeat(5000)}` });
    expect(long.statusCode).toBe(302);
  });

  it('refuses a second identity with the email of a person already linked', async () => {
    const person = await h.person();
    expect((await signInAs(atProvider({ email: person.email! }))).statusCode).toBe(303);
    expectRefused(await signInAs(atProvider({ email: person.email! })), 'identity_conflict');
    const [failed] = await auditRows(h, 'session.failed');
    expect(failed).toMatchObject({ target_id: person.id, details: { reason: 'identity_conflict' } });
  });

  it('creates one account when the same new person signs in twice at once', async () => {
    const login = atProvider({ email: 'twice@example.com', groups: ['data-eng'] });
    const [a, b] = await Promise.all([begin(), begin()]);
    const answers = [
      await provider.authorize(a!.location, login),
      await provider.authorize(b!.location, login),
    ];
    const responses = await Promise.all([
      callback(answers[0]!, a!.browser),
      callback(answers[1]!, b!.browser),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([303, 303]);
    const ids = await Promise.all(
      responses.map(async (r) => (await me(h, sessionCookie(r)!)).json().account.id),
    );
    expect(ids[0]).toBe(ids[1]);
    const accounts = await h.database.handle.db.selectFrom('accounts').select('id').execute();
    expect(accounts).toHaveLength(1);
  });

  it('takes an email only when it is one', async () => {
    expectRefused(await signInAs(atProvider({ email: 'not an email' })), 'no_email');
  });

  describe('refuses an ID token that fails a check', () => {
    afterAll(() => provider.tamper(undefined));
    const now = () => Math.floor(Date.now() / 1000);
    const cases = [
      {
        name: 'a wrong audience',
        rewrite: (c: Record<string, unknown>) => ({ claims: { ...c, aud: 'someone-else' } }),
        check: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      },
      {
        name: 'an expired one',
        rewrite: (c: Record<string, unknown>) => ({ claims: { ...c, iat: now() - 3600, exp: now() - 1800 } }),
        check: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      },
      {
        name: 'a badly signed one',
        rewrite: (c: Record<string, unknown>) => ({ claims: c, foreignKey: true }),
        check: 'OAUTH_INVALID_RESPONSE',
      },
      {
        name: 'another nonce',
        rewrite: (c: Record<string, unknown>) => ({ claims: { ...c, nonce: 'replayed' } }),
        check: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      },
      {
        name: 'another issuer',
        rewrite: (c: Record<string, unknown>) => ({ claims: { ...c, iss: 'https://evil.example' } }),
        check: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      },
    ];
    for (const { name, rewrite, check } of cases) {
      it(name, async () => {
        const person = await h.person();
        const login = atProvider({ email: person.email! });
        provider.tamper(rewrite);
        try {
          expectRefused(await signInAs(login), 'invalid_response');
        } finally {
          provider.tamper(undefined);
        }
        const [failed] = await auditRows(h, 'session.failed');
        expect(failed!.details).toMatchObject({ reason: 'invalid_response', via: 'single sign-on' });
        expect(failed!.details.error).toBe(check);
        expect(await h.database.handle.db.selectFrom('sso_identities').selectAll().execute()).toEqual([]);
        // The same person, with the provider's own token, gets in.
        expect((await signInAs(login)).statusCode).toBe(303);
      });
    }
  });

  it('refuses a deactivated person with a page, and records the refusal', async () => {
    const admin = await h.session('admin');
    const person = await h.person();
    const login = atProvider({ email: person.email! });
    expect((await signInAs(login)).statusCode).toBe(303);
    await h.request({ method: 'POST', url: `/api/users/${person.id}/deactivate`, session: admin });

    expectRefused(await signInAs(login), 'deactivated');
    const failed = await auditRows(h, 'session.failed');
    expect(failed.at(-1)).toMatchObject({
      target_type: 'account',
      target_id: person.id,
      details: { reason: 'deactivated', via: 'single sign-on' },
    });
  });

  it('refuses to match an email the provider has not verified', async () => {
    const person = await h.person();
    const login = atProvider({ email: person.email!, email_verified: false });
    expectRefused(await signInAs(login), 'email_not_verified');
    const [failed] = await auditRows(h, 'session.failed');
    expect(failed).toMatchObject({ target_id: person.id, details: { reason: 'email_not_verified' } });
    expect(await h.database.handle.db.selectFrom('sso_identities').selectAll().execute()).toEqual([]);
  });

  it('creates a new person with the role and teams of their groups, without a password, audited', async () => {
    const data = await insertTeam(h.database.handle.db, 'Data');
    const login = atProvider({
      email: 'grace@example.com',
      name: 'Grace Hopper',
      groups: ['data-eng', 'other'],
    });
    const response = await signInAs(login);
    expect(response.statusCode, response.body).toBe(303);
    const account = (await me(h, sessionCookie(response)!)).json().account;
    expect(account).toMatchObject({ email: 'grace@example.com', name: 'Grace Hopper', role: 'manager' });
    expect(account.teams.map((t: { name: string }) => t.name).sort()).toEqual(['Data', 'Public']);

    const admin = await h.session('admin');
    const listed = (await h.request({ url: `/api/users/${account.id}`, session: admin })).json();
    expect(listed.sign_in_methods).toEqual(['sso']);
    expect(
      (await h.request({ url: `/api/users/${admin.account.id}`, session: admin })).json().sign_in_methods,
    ).toEqual(['password']);
    const [created] = await auditRows(h, 'account.created').then((rows) =>
      rows.filter((r) => r.target_id === account.id),
    );
    expect(created).toMatchObject({
      actor_id: null,
      ip: '127.0.0.1',
      details: { kind: 'human', role: 'manager', via: 'single sign-on' },
    });
    const row = await h.database.handle.db
      .selectFrom('accounts')
      .select('password_hash')
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toBeNull();
    // Nobody can sign in to it with a password.
    const login2 = await h.request({
      url: '/api/auth/login',
      body: { email: 'grace@example.com', password: PASSWORD },
    });
    expect(login2.statusCode).toBe(401);
    expect(data.name).toBe('Data');
  });

  it('refuses to create a person whose email is not verified, or who has none', async () => {
    expectRefused(
      await signInAs(atProvider({ email: 'new@example.com', email_verified: false })),
      'email_not_verified',
    );
    expectRefused(await signInAs(atProvider({})), 'no_email');
    const accounts = await h.database.handle.db.selectFrom('accounts').select('email').execute();
    expect(accounts).toEqual([]);
  });

  it('applies the group mapping at every sign-in, recording each change', async () => {
    const db = h.database.handle.db;
    const analytics = await insertTeam(db, 'Analytics');
    const ops = await insertTeam(db, 'Ops');
    const admin = await h.session('admin');
    const person = await h.person();
    // A team the mapping does not name stays the console's to manage.
    await h.request({
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      session: admin,
      body: { team_ids: [ops.id] },
    });
    const login = atProvider({ email: person.email!, groups: ['tessera-admins', 'analysts'] });

    const first = await signInAs(login);
    let account = (await me(h, sessionCookie(first)!)).json().account;
    expect(account.role).toBe('admin');
    expect(account.teams.map((t: { name: string }) => t.name).sort()).toEqual(['Analytics', 'Ops', 'Public']);

    provider.people.set(login, { email: person.email!, email_verified: true, groups: [] });
    const second = await signInAs(login);
    account = (await me(h, sessionCookie(second)!)).json().account;
    expect(account.role).toBe('member');
    expect(account.teams.map((t: { name: string }) => t.name).sort()).toEqual(['Ops', 'Public']);

    // Nothing to change: nothing recorded.
    await signInAs(login);
    const updates = (await auditRows(h, 'account.updated')).filter((row) => row.target_id === person.id);
    expect(updates.map((row) => row.details)).toEqual([
      // The Admin's change in the console.
      { changes: { teams: { from: 'Public', to: 'Ops, Public' } } },
      {
        changes: {
          role: { from: 'member', to: 'admin' },
          teams: { from: 'Ops, Public', to: 'Analytics, Ops, Public' },
        },
        via: 'single sign-on',
        groups: ['tessera-admins', 'analysts'],
      },
      {
        changes: {
          role: { from: 'admin', to: 'member' },
          teams: { from: 'Analytics, Ops, Public', to: 'Ops, Public' },
        },
        via: 'single sign-on',
        groups: [],
      },
    ]);
    expect(updates.slice(1).every((row) => row.actor_id === null)).toBe(true);
    expect(analytics.name).toBe('Analytics');
  });

  it('leaves the last active Admin their role, and says so', async () => {
    const admin = await h.person({ role: 'admin' });
    const login = atProvider({ email: admin.email!, groups: [] });
    const response = await signInAs(login);
    expect(response.statusCode).toBe(303);
    expect((await me(h, sessionCookie(response)!)).json().account.role).toBe('admin');
    const [update] = await auditRows(h, 'account.updated');
    expect(update!.details).toMatchObject({
      changes: {},
      kept_role: expect.stringContaining('last active Admin'),
    });
  });

  it('signs out of Tessera and sends the browser to the provider to sign out there too', async () => {
    const person = await h.person();
    const response = await signInAs(atProvider({ email: person.email! }));
    const cookie = sessionCookie(response)!;
    const csrf = (await me(h, cookie)).json().csrf_token;
    const out = await h.app.inject({
      method: 'POST',
      url: '/api/auth/oidc/logout',
      headers: { cookie: `tessera_session=${cookie}`, 'x-csrf-token': csrf },
    });
    expect(out.statusCode, out.body).toBe(200);
    const url = new URL(out.json().end_session_url);
    expect(url.origin + url.pathname).toBe(`${provider.issuer}/session/end`);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${PUBLIC_URL}/sign-in`);
    expect(url.searchParams.get('client_id')).toBe(provider.clientId);
    expect(url.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect((await me(h, cookie)).statusCode).toBe(401);
    expect(await h.database.handle.db.selectFrom('sso_sessions').selectAll().execute()).toEqual([]);

    // A password session signs out the same way, with nowhere else to go.
    const password = await h.signIn(person);
    const plain = await h.request({ method: 'POST', url: '/api/auth/oidc/logout', session: password });
    expect(plain.json()).toEqual({ end_session_url: null });
    expect((await me(h, password.cookie)).statusCode).toBe(401);
  });
});

describe('single sign-on for known people only, with password sign-in off', () => {
  const h = setupHarness({ env: ssoEnv({ TESSERA_PASSWORD_SIGN_IN: '0' }) });
  const { signInAs } = flow(h);

  it('shows an unknown person a page, records it, and creates nobody', async () => {
    expectRefused(await signInAs(atProvider({ email: 'stranger@example.com' })), 'unknown_account');
    const [failed] = await auditRows(h, 'session.failed');
    expect(failed!.details).toMatchObject({ reason: 'unknown_account', email: 'stranger@example.com' });
    expect(await h.database.handle.db.selectFrom('accounts').selectAll().execute()).toEqual([]);
  });

  it('hides the password form and refuses password sign-in with 401', async () => {
    expect((await h.request({ url: '/api/auth/methods' })).json()).toMatchObject({ password: false });
    const person = await h.person();
    const response = await h.request({
      url: '/api/auth/login',
      body: { email: person.email, password: PASSWORD },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'password_sign_in_off' });
    expect(sessionCookie(response)).toBeUndefined();
    const [failed] = await auditRows(h, 'session.failed');
    expect(failed!.details).toMatchObject({ reason: 'password_sign_in_off' });
    // The person still gets in through their provider.
    expect((await signInAs(atProvider({ email: person.email! }))).statusCode).toBe(303);
  });

  it('adds a person without a generated password: they sign in through their provider', async () => {
    const person = await h.person({ role: 'admin' });
    const cookie = sessionCookie(await signInAs(atProvider({ email: person.email! })))!;
    const { csrf_token } = (await me(h, cookie)).json();
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie: `tessera_session=${cookie}`, 'x-csrf-token': csrf_token },
      payload: { email: 'no.password@example.com', role: 'member' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().initial_password).toBeUndefined();
    expect(response.json().account.sign_in_methods).not.toContain('password');
  });

  it('lets a password from `tessera reset-password` in for an hour: the way in when SSO is broken', async () => {
    const person = await h.person({ role: 'admin' });
    const { password } = await h.services.accounts.resetPassword(
      { command: 'tessera reset-password', runBy: 'root@test' },
      person.email!,
    );
    const signIn = () => h.request({ url: '/api/auth/login', body: { email: person.email, password } });
    const ok = await signIn();
    expect(ok.statusCode).toBe(200);
    const [created] = await auditRows(h, 'session.created');
    expect(created!.details).toEqual({ break_glass: true });
    const wrong = await h.request({
      url: '/api/auth/login',
      body: { email: person.email, password: 'not it at all' },
    });
    expect(wrong.json()).toMatchObject({ code: 'password_sign_in_off' });

    h.clock.advance(61 * MINUTE);
    const late = await signIn();
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ code: 'password_sign_in_off' });
  });
});

describe('single sign-on starts from one address', () => {
  const h = setupHarness({ env: ssoEnv({ TESSERA_SSO_STARTS_PER_ADDRESS: '3' }) });

  it('stores at most the limit of pending sign-ins, then shows the too-many-attempts page', async () => {
    const start = () => h.request({ url: '/api/auth/oidc/start' });
    for (let i = 0; i < 3; i++) expect((await start()).statusCode).toBe(302);
    const refused = await start();
    expect(refused.statusCode).toBe(303);
    expect(refused.headers.location).toBe('/sign-in/error?reason=rate_limited');
    const rows = await h.database.handle.db.selectFrom('sso_sign_ins').select('state_hash').execute();
    expect(rows).toHaveLength(3);
  });
});

describe('single sign-on settings', () => {
  it('fail the start with one line naming what is missing or wrong', () => {
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return 'loaded';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(message({ TESSERA_OIDC_ISSUER: 'https://idp.example' })).toBe(
      'Invalid configuration:\n' +
        '  TESSERA_OIDC_CLIENT_ID: required with TESSERA_OIDC_ISSUER\n' +
        '  TESSERA_OIDC_CLIENT_SECRET: required with TESSERA_OIDC_ISSUER\n' +
        '  TESSERA_PUBLIC_URL: required with TESSERA_OIDC_ISSUER',
    );
    const complete = {
      TESSERA_OIDC_ISSUER: 'https://idp.example',
      TESSERA_OIDC_CLIENT_ID: 'tessera',
      TESSERA_OIDC_CLIENT_SECRET: 'secret',
      TESSERA_PUBLIC_URL: 'https://tessera.example/',
    };
    expect(loadConfig(complete).sso).toMatchObject({
      publicUrl: 'https://tessera.example',
      scopes: 'openid email profile',
      autoCreate: false,
    });
    expect(message({ ...complete, TESSERA_OIDC_ISSUER: 'http://idp.example' })).toContain(
      'TESSERA_OIDC_ISSUER: must be an https:// URL',
    );
    expect(message({ ...complete, TESSERA_PUBLIC_URL: 'https://example.com/tessera' })).toContain(
      'TESSERA_PUBLIC_URL: must have no path',
    );
    expect(message({ ...complete, TESSERA_OIDC_SCOPES: 'email profile' })).toContain(
      'TESSERA_OIDC_SCOPES: must include openid',
    );
    expect(message({ ...complete, TESSERA_OIDC_GROUPS_CLAIM: 'groups' })).toContain(
      'TESSERA_OIDC_GROUP_MAPPING: required with TESSERA_OIDC_GROUPS_CLAIM',
    );
    expect(
      message({ ...complete, TESSERA_OIDC_GROUPS_CLAIM: 'groups', TESSERA_OIDC_GROUP_MAPPING: '{"a": ' }),
    ).toContain('TESSERA_OIDC_GROUP_MAPPING: must be JSON');
    expect(
      message({
        ...complete,
        TESSERA_OIDC_GROUPS_CLAIM: 'groups',
        TESSERA_OIDC_GROUP_MAPPING: '{"a": {"role": "owner"}}',
      }),
    ).toContain('TESSERA_OIDC_GROUP_MAPPING.a.role');
    expect(message({ TESSERA_PASSWORD_SIGN_IN: '0' })).toContain(
      'TESSERA_PASSWORD_SIGN_IN: 0 needs single sign-on',
    );
    expect(message({ TESSERA_OIDC_CLIENT_ID: 'x' })).toContain(
      'TESSERA_OIDC_ISSUER: required with TESSERA_OIDC_CLIENT_ID',
    );
  });

  it('stop the start with one line when the issuer cannot be discovered', async () => {
    const settings = loadConfig({
      TESSERA_OIDC_ISSUER: 'http://127.0.0.1:9/nothing-here',
      TESSERA_OIDC_CLIENT_ID: 'tessera',
      TESSERA_OIDC_CLIENT_SECRET: 'secret',
      TESSERA_PUBLIC_URL: PUBLIC_URL,
    }).sso!;
    const failure = await RelyingParty.discover(settings).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StartupError);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /^Single sign-on: the issuer http:\/\/127\.0\.0\.1:9\/nothing-here could not be discovered \(.+\); check TESSERA_OIDC_ISSUER\.$/,
    );
    expect(message).not.toContain('\n');
    expect(message).not.toContain('secret');
  });
});
