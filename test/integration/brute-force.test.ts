import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/core/secret.ts';
import { SECOND } from '../support/clock.ts';
import { PASSWORD, setupHarness } from '../support/harness.ts';

// Small budgets so each limit is reached in a few requests; production defaults are in
// docs/CONFIGURATION.md. Addresses are set per request (inject's remoteAddress) so tests do not share one.
const h = setupHarness({
  env: {
    TESSERA_AUTH_FAILURES_PER_ADDRESS: '5',
    TESSERA_AUTH_FAILURES_PER_TOKEN: '3',
    TESSERA_AUTH_FAILURE_WINDOW_SECONDS: '60',
    TESSERA_SIGN_IN_FAILURES_PER_ADDRESS: '6',
    TESSERA_SIGN_IN_FAILURES_PER_EMAIL: '3',
    TESSERA_SIGN_IN_FAILURE_WINDOW_SECONDS: '900',
  },
});

const me = (token: string, remoteAddress: string) => h.request({ url: '/api/me', token, remoteAddress });

function expectLimited(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toMatchObject({ code: 'rate_limited' });
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(response.json().details.retry_after).toBe(retryAfter);
  return retryAfter;
}

describe('failed token authentications', () => {
  it('refuses an address once it has failed its budget, valid tokens included, until the window ends', async () => {
    const { secret } = await h.generate(await h.session(), { name: 'Valid' });
    for (let i = 0; i < 5; i++) {
      expect((await me(generateSecret('personal'), '10.0.0.1')).statusCode).toBe(401);
    }
    // Over the budget: refused before any lookup, so the answer says nothing about the token.
    const lookupsBefore = h.services.metrics.authentications.get({ result: 'success' });
    expect(expectLimited(await me(secret, '10.0.0.1'))).toBeLessThanOrEqual(60);
    expectLimited(await me(generateSecret('personal'), '10.0.0.1'));
    expect(h.services.metrics.authentications.get({ result: 'success' })).toBe(lookupsBefore);
    // Another address is not affected.
    expect((await me(secret, '10.0.0.2')).statusCode).toBe(200);
    h.clock.advance(59 * SECOND);
    expect(expectLimited(await me(secret, '10.0.0.1'))).toBe(1);
    h.clock.advance(SECOND);
    expect((await me(secret, '10.0.0.1')).statusCode).toBe(200);
  });

  it('never limits valid traffic, however much of it one address sends', async () => {
    const session = await h.session();
    const secrets = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => (await h.generate(session, { name: `T${i}` })).secret),
    );
    const responses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => me(secrets[i % secrets.length]!, '10.0.1.1')),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 200));
    // Four failures stay under the budget: valid requests are still served in between.
    for (let i = 0; i < 4; i++) await me('tsr_pat_garbage', '10.0.1.1');
    expect((await me(secrets[0]!, '10.0.1.1')).statusCode).toBe(200);
  });

  it('counts malformed headers, bad session cookies, /auth/check and introspection alike', async () => {
    const address = '10.0.2.1';
    await h.request({ url: '/api/me', headers: { authorization: 'Basic abc' }, remoteAddress: address });
    await h.request({
      url: '/api/me',
      headers: { cookie: 'tessera_session=forged' },
      remoteAddress: address,
    });
    await h.request({ url: '/auth/check', token: generateSecret('service'), remoteAddress: address });
    await h.request({ url: '/api/introspect', body: { token: 'nope' }, remoteAddress: address });
    await h.request({ url: '/api/me', token: 'tsr_pat_x', remoteAddress: address });
    // Forward auth says 401 (nginx's auth_request makes a 500 of a 429), still rate_limited, with Retry-After.
    const check = await h.request({ url: '/auth/check', token: 'tsr_pat_x', remoteAddress: address });
    expect(check.statusCode).toBe(401);
    expect(check.json().code).toBe('rate_limited');
    expect(Number(check.headers['retry-after'])).toBeGreaterThan(0);
    expectLimited(await h.request({ url: '/api/introspect', body: { token: 'x' }, remoteAddress: address }));
    expectLimited(
      await h.request({ url: '/api/me', headers: { cookie: 'tessera_session=x' }, remoteAddress: address }),
    );
  });

  it('limits a known but revoked token per token, from any address', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Leaked' });
    const other = await h.generate(session, { name: 'Other' });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session, body: {} });
    for (const address of ['10.0.3.1', '10.0.3.2', '10.0.3.3']) {
      expect((await me(secret, address)).json().code).toBe('token_revoked');
    }
    expectLimited(await me(secret, '10.0.3.4'));
    // The addresses themselves are under their budget: another token from them works.
    expect((await me(other.secret, '10.0.3.4')).statusCode).toBe(200);
    // Unknown tokens are not counted per token (an attacker could fill memory with them), only per address.
    for (const address of ['10.0.3.5', '10.0.3.6', '10.0.3.7', '10.0.3.8']) {
      expect((await me(generateSecret('personal'), address)).statusCode).toBe(401);
    }
  });

  it('shows failures and refusals in /metrics and, summed, in the audit log', async () => {
    const admin = await h.session('admin');
    // Counters are per process and this file's app is shared by its tests: compare before and after.
    const scrape = async () => {
      const body = (await h.request({ url: '/metrics' })).body;
      const read = (pattern: RegExp) => Number(pattern.exec(body)?.[1] ?? 0);
      return {
        unknown: read(/^tessera_authentications_total\{result="token_unknown"\} (\d+)$/m),
        limited: read(/^tessera_rate_limited_total\{limit="auth_address"\} (\d+)$/m),
      };
    };
    const before = await scrape();
    for (let i = 0; i < 6; i++) await me(generateSecret('personal'), '10.0.4.1');
    const after = await scrape();
    expect(after.unknown - before.unknown).toBe(5);
    expect(after.limited - before.limited).toBe(1);
    await h.services.audit.flushFailures();
    const audit = (await h.request({ url: '/api/audit?action=auth.failed', session: admin })).json();
    const fromAddress = audit.items.filter((e: { ip: string }) => e.ip === '10.0.4.1');
    expect(fromAddress).toContainEqual(
      expect.objectContaining({ details: expect.objectContaining({ code: 'token_unknown', count: 5 }) }),
    );
    expect(fromAddress).toContainEqual(
      expect.objectContaining({
        details: expect.objectContaining({ code: 'rate_limited:auth_address', count: 1 }),
      }),
    );
  });
});

describe('failed sign-ins', () => {
  const signIn = (email: string, password: string, remoteAddress: string) =>
    h.request({ url: '/api/auth/login', body: { email, password }, remoteAddress });

  it('locks an email after its budget of wrong passwords, from any address, even for the right one', async () => {
    const alice = await h.person();
    const bob = await h.person();
    for (const address of ['10.1.0.1', '10.1.0.2', '10.1.0.3']) {
      expect((await signIn(alice.email!, 'wrong password!', address)).statusCode).toBe(401);
    }
    const retryAfter = expectLimited(await signIn(alice.email!.toUpperCase(), PASSWORD, '10.1.0.4'));
    expect(retryAfter).toBeLessThanOrEqual(900);
    // Bob, from an address that tried Alice, is not affected.
    expect((await signIn(bob.email!, PASSWORD, '10.1.0.1')).statusCode).toBe(200);
    h.clock.advance(900 * SECOND);
    expect((await signIn(alice.email!, PASSWORD, '10.1.0.4')).statusCode).toBe(200);
    const metrics = (await h.request({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^tessera_rate_limited_total\{limit="sign_in_email"\} 1$/m);
    expect(metrics).toMatch(/^tessera_sign_ins_total\{result="failure"\} \d+$/m);
  });

  it('limits an address that tries many emails', async () => {
    const person = await h.person();
    for (let i = 0; i < 6; i++) {
      expect((await signIn(`guess${i}@example.com`, 'password1234', '10.1.1.1')).statusCode).toBe(401);
    }
    expectLimited(await signIn(person.email!, PASSWORD, '10.1.1.1'));
    expect((await signIn(person.email!, PASSWORD, '10.1.1.2')).statusCode).toBe(200);
  });

  it('never counts successful sign-ins', async () => {
    const person = await h.person();
    for (let i = 0; i < 8; i++) {
      expect((await signIn(person.email!, PASSWORD, '10.1.2.1')).statusCode).toBe(200);
    }
  });

  it('records each failed sign-in in the audit log, without the password', async () => {
    const admin = await h.session('admin');
    const person = await h.person();
    await signIn(person.email!, 'Tr0ub4dor&3-wrong', '10.1.3.1');
    const audit = (await h.request({ url: '/api/audit?action=session.failed', session: admin })).json();
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({
      actor: null,
      ip: '10.1.3.1',
      details: { reason: 'wrong_password', email: person.email },
    });
    expect(JSON.stringify(audit)).not.toContain('Tr0ub4dor');
  });
});
