import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { HELMET_OPTIONS } from '../../src/platform/http/security-headers.ts';
import type { App } from '../../src/platform/http/types.ts';
import { PASSWORD, setupHarness } from '../support/harness.ts';

const h = setupHarness();

// Two more apps on the same services: one behind a TLS-terminating proxy it trusts, one serving a built
// console (a stand-in for Vite's output: index.html and a hashed asset, no inline script).
let proxied: App;
let withConsole: App;
let webDir: string;

beforeAll(async () => {
  proxied = await buildApp({
    services: h.services,
    config: loadConfig({ TESSERA_WEB_DIR: 'test/no-console', TESSERA_TRUST_PROXY: 'true' }),
  });
  webDir = mkdtempSync(join(tmpdir(), 'tessera-web-'));
  mkdirSync(join(webDir, 'assets'));
  writeFileSync(
    join(webDir, 'index.html'),
    '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>',
  );
  writeFileSync(join(webDir, 'assets', 'index-abc123.js'), 'console.log("console")');
  withConsole = await buildApp({ services: h.services, config: loadConfig({ TESSERA_WEB_DIR: webDir }) });
});

afterAll(async () => {
  await proxied?.close();
  await withConsole?.close();
  rmSync(webDir, { recursive: true, force: true });
});

const signIn = (app: App, email: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { email, password: PASSWORD } });

describe('the session cookie', () => {
  it('is httpOnly, SameSite=Strict, Path=/, and not Secure over plain HTTP', async () => {
    const person = await h.person();
    const response = await signIn(h.app, person.email!);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^tessera_session=[\w-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure');
    expect(setCookie).not.toContain('Domain=');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('is Secure behind a trusted TLS-terminating proxy, and only then', async () => {
    const person = await h.person();
    const behindTls = await signIn(proxied, person.email!, { 'x-forwarded-proto': 'https' });
    expect(String(behindTls.headers['set-cookie'])).toMatch(/; Secure/);
    // A client cannot claim TLS to a server that does not trust proxies (it would just lose the cookie,
    // but the header must not be believed either).
    const claimed = await signIn(h.app, person.email!, { 'x-forwarded-proto': 'https' });
    expect(String(claimed.headers['set-cookie'])).not.toContain('Secure');
    const forced = await buildApp({
      services: h.services,
      config: loadConfig({ TESSERA_WEB_DIR: 'test/no-console', TESSERA_COOKIE_SECURE: '1' }),
    });
    expect(String((await signIn(forced, person.email!)).headers['set-cookie'])).toMatch(/; Secure/);
    await forced.close();
  });

  it('is cleared at sign-out, and the old value no longer works anywhere', async () => {
    const session = await h.session();
    const out = await h.request({ url: '/api/auth/logout', method: 'POST', session });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^tessera_session=; .*Expires=Thu, 01 Jan 1970/);
    for (const url of ['/api/me', '/api/tokens']) {
      const replay = await h.request({ url, session });
      expect(replay.statusCode).toBe(401);
      expect(replay.json().code).toBe('session_expired');
    }
    expect(await h.database.handle.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('ends every session of a person who is deactivated, on every device', async () => {
    const person = await h.person();
    const laptop = await h.signIn(person);
    const phone = await h.signIn(person);
    const admin = await h.session('admin');
    await h.request({ url: `/api/users/${person.id}/deactivate`, method: 'POST', session: admin });
    expect((await h.request({ url: '/api/me', session: laptop })).statusCode).toBe(401);
    expect((await h.request({ url: '/api/me', session: phone })).statusCode).toBe(401);
    // Reactivation brings no session back.
    await h.request({ url: `/api/users/${person.id}/reactivate`, method: 'POST', session: admin });
    expect((await h.request({ url: '/api/me', session: laptop })).statusCode).toBe(401);
  });

  it('a person changes their own password: the current one is required, every other session ends', async () => {
    const person = await h.person();
    const here = await h.signIn(person);
    const elsewhere = await h.signIn(person);
    const change = (body: object) =>
      h.request({ url: '/api/me/password', method: 'POST', session: here, body });
    const next = 'a brand new long password';

    for (const [body, field] of [
      [{ current_password: 'not it at all', new_password: next }, 'current_password'],
      [{ current_password: PASSWORD, new_password: 'short' }, 'new_password'],
      [{ current_password: PASSWORD, new_password: PASSWORD }, 'new_password'],
      [{ new_password: next }, 'current_password'],
    ] as const) {
      const refused = await change(body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.json().details.field).toBe(field);
      // Nothing changed: the other session still works.
      expect((await h.request({ url: '/api/me', session: elsewhere })).statusCode).toBe(200);
    }

    expect((await change({ current_password: PASSWORD, new_password: next })).statusCode).toBe(204);
    expect((await h.request({ url: '/api/me', session: here })).statusCode).toBe(200);
    expect((await h.request({ url: '/api/me', session: elsewhere })).statusCode).toBe(401);
    const old = await h.request({
      url: '/api/auth/login',
      body: { email: person.email, password: PASSWORD },
    });
    expect(old.statusCode).toBe(401);
    const fresh = await h.request({ url: '/api/auth/login', body: { email: person.email, password: next } });
    expect(fresh.statusCode).toBe(200);
    const audit = await h.database.handle.db
      .selectFrom('audit_events')
      .select(['action', 'target_id'])
      .where('action', '=', 'account.password_changed')
      .execute();
    expect(audit).toEqual([{ action: 'account.password_changed', target_id: person.id }]);
  });

  it('a person who signs in only with single sign-on has no password to change: 409, nothing changes', async () => {
    const person = await h.person();
    const session = await h.signIn(person);
    await h.database.handle.db
      .updateTable('accounts')
      .set({ password_hash: null })
      .where('id', '=', person.id)
      .execute();
    const response = await h.request({
      url: '/api/me/password',
      method: 'POST',
      session,
      body: { current_password: PASSWORD, new_password: 'a brand new long password' },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('no_password');
    const row = await h.database.handle.db
      .selectFrom('accounts')
      .select('password_hash')
      .where('id', '=', person.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toBeNull();
  });

  it('a password is changed only from a session, never with a token', async () => {
    const person = await h.person();
    const session = await h.signIn(person);
    const { secret } = await h.generate(session, { name: 'script' });
    const response = await h.request({
      url: '/api/me/password',
      method: 'POST',
      token: secret,
      body: { current_password: PASSWORD, new_password: 'a brand new long password' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('cannot be fixed in advance: a planted cookie is replaced at sign-in and never becomes valid', async () => {
    const person = await h.person();
    const planted = 'attacker-chosen-session-value-0123456789abcdef';
    const response = await signIn(h.app, person.email!, { cookie: `tessera_session=${planted}` });
    expect(response.statusCode).toBe(200);
    const issued = response.cookies.find((c) => c.name === 'tessera_session')!.value;
    expect(issued).not.toBe(planted);
    const withPlanted = await h.app.inject({
      url: '/api/me',
      headers: { cookie: `tessera_session=${planted}` },
    });
    expect(withPlanted.statusCode).toBe(401);
    // Only hashes are stored: neither the planted value nor the issued one appears in the table.
    const stored = JSON.stringify(await h.database.handle.db.selectFrom('sessions').selectAll().execute());
    expect(stored).not.toContain(planted);
    expect(stored).not.toContain(issued);
  });
});

describe('cross-site request forgery', () => {
  it('refuses what a page on another origin can make a browser send with the cookie', async () => {
    const session = await h.session();
    const cookie = `tessera_session=${session.cookie}`;
    // 1. An HTML form post: a form can only send urlencoded, multipart or text bodies; none is accepted.
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain',
    ]) {
      const form = await h.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: {
          cookie,
          'content-type': type,
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
        },
        payload: 'name=stolen&expires_in_days=30',
      });
      expect(form.statusCode, type).toBeGreaterThanOrEqual(400);
      expect(form.statusCode, type).toBeLessThan(500);
    }
    // 2. A fetch() with a JSON body (no preflight would be answered, but assume the browser sent it).
    const fetched = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example' },
      payload: { name: 'stolen', expires_in_days: 30 },
    });
    expect(fetched.statusCode).toBe(403);
    expect(fetched.json().code).toBe('csrf_failed');
    // 3. Even a guessed CSRF header from a sibling subdomain is refused by the origin check.
    const sibling = await h.app.inject({
      method: 'DELETE',
      url: '/api/tokens/00000000-0000-4000-8000-000000000000',
      headers: {
        cookie,
        'x-csrf-token': session.csrf,
        origin: 'https://evil.localhost:80',
        'sec-fetch-site': 'same-site',
      },
    });
    expect(sibling.statusCode).toBe(403);
    expect(await h.database.handle.db.selectFrom('tokens').selectAll().execute()).toEqual([]);
  });

  it('refuses a sign-in posted from another origin (login CSRF)', async () => {
    const person = await h.person();
    const response = await signIn(h.app, person.email!, { origin: 'https://evil.example' });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('ties the CSRF token to its session: another session’s token is refused', async () => {
    const mine = await h.session();
    const theirs = await h.session();
    const response = await h.request({
      url: '/api/tokens',
      session: mine,
      withoutCsrf: true,
      headers: { 'x-csrf-token': theirs.csrf },
      body: { name: 'x', expires_in_days: 30 },
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('security headers', () => {
  const common = (headers: Record<string, unknown>) => {
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['x-powered-by']).toBeUndefined();
    expect(headers['access-control-allow-origin']).toBeUndefined();
  };
  const directives = (csp: unknown) =>
    Object.fromEntries(
      String(csp)
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map(([name, ...values]) => [name, values]),
    );

  it('sends a strict CSP with the console: scripts from this origin only, no framing, no plugins', async () => {
    for (const url of ['/', '/settings/access-tokens', '/assets/index-abc123.js']) {
      const response = await withConsole.inject({ url });
      expect(response.statusCode, url).toBe(200);
      common(response.headers);
      const csp = directives(response.headers['content-security-policy']);
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['default-src']).toEqual(["'self'"]);
      expect(csp['connect-src']).toEqual(["'self'"]);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      expect(csp['object-src']).toEqual(["'none'"]);
      expect(csp['base-uri']).toEqual(["'self'"]);
      expect(csp['form-action']).toEqual(["'self'"]);
      expect(String(response.headers['content-security-policy'])).not.toContain('unsafe-eval');
    }
    // The stand-in index.html, like Vite's build, has no inline script the CSP would block.
    expect((await withConsole.inject({ url: '/' })).body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  });

  it('gives the API reference page a CSP that allows its own files and nothing from elsewhere', async () => {
    const page = await h.app.inject({ url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    common(page.headers);
    const csp = directives(page.headers['content-security-policy']);
    expect(csp['script-src']?.[0]).toBe("'self'");
    expect(csp['script-src']?.some((s: string) => s.startsWith('http') || s === "'unsafe-inline'")).toBe(
      false,
    );
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['upgrade-insecure-requests']).toBeUndefined();
    // Every script the page loads is a file from this server, and each of them is served.
    const scripts = [...page.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>\s*\S/);
    for (const src of scripts) {
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const file = await h.app.inject({ url: new URL(src, 'http://x/api/docs/').pathname });
      expect(file.statusCode, src).toBe(200);
    }
  });

  it('sends the same headers on API answers and errors, and marks secrets no-store', async () => {
    const session = await h.session();
    for (const response of [
      await h.request({ url: '/api/me', session }),
      await h.request({ url: '/api/me' }),
      await h.request({ url: '/api/nope' }),
    ]) {
      common(response.headers);
    }
    const generated = await h.request({
      url: '/api/tokens',
      session,
      body: { name: 'x', expires_in_days: 30 },
    });
    expect(generated.headers['cache-control']).toBe('no-store');
    expect((await h.request({ url: '/api/me', session })).headers['cache-control']).toBe('no-store');
  });

  it('sends every header that helmet itself sets for these options, on every kind of answer', async () => {
    // What helmet's middleware does to a real response (what @fastify/helmet ran for each request),
    // against what the app, which works the headers out once, sends.
    const response = new ServerResponse(new IncomingMessage(new Socket()));
    helmet(HELMET_OPTIONS)(response.req, response, () => {});
    const expected = Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]);
    expect(expected.length).toBeGreaterThanOrEqual(10);
    const session = await h.session();
    for (const answer of [
      await h.app.inject({ url: '/healthz' }),
      await h.request({ url: '/api/me', session }),
      await h.request({ url: '/api/me' }),
      await h.request({ url: '/api/nope' }),
      await h.app.inject({ url: '/auth/check' }),
      await withConsole.inject({ url: '/' }),
      await withConsole.inject({ url: '/assets/index-abc123.js' }),
    ]) {
      for (const [name, value] of expected) expect(answer.headers[name!], name).toBe(value);
    }
  });
});

describe('CORS', () => {
  it('is closed: no Access-Control-Allow-* header to any origin, preflight or not', async () => {
    const session = await h.session();
    const origin = 'https://elsewhere.example';
    const preflight = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/tokens',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-csrf-token',
      },
    });
    expect(preflight.statusCode).toBeGreaterThanOrEqual(400);
    const simple = await h.request({ url: '/api/me', session, headers: { origin } });
    const bearer = await h.app.inject({ url: '/auth/check', method: 'OPTIONS', headers: { origin } });
    for (const response of [preflight, simple, bearer]) {
      const cors = Object.keys(response.headers).filter((name) => name.startsWith('access-control-'));
      expect(cors).toEqual([]);
    }
  });
});
