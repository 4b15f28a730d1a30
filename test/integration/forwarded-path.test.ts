import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { App } from '../../src/platform/http/types.ts';
import { setupHarness } from '../support/harness.ts';

// `/auth/check` with the headers a proxy sends, for the path a SCIM-only token is judged on (issue #31,
// items 1 and 2). docs/PROXIES.md's recipes send these through real nginx and Caddy: proxies.test.ts.

const h = setupHarness();

let scim = '';
let api = '';

beforeEach(async () => {
  const admin = await h.session('admin');
  const service = await h.serviceUser({ role: 'admin' });
  ({ secret: scim } = await h.generate(admin, {
    name: 'SCIM',
    kind: 'service',
    service_user_id: service.id,
    scopes: ['scim'],
  }));
  ({ secret: api } = await h.generate(admin, { name: 'API', kind: 'service', service_user_id: service.id }));
});

/** `/auth/check` as a proxy calls it; a header given as a list is sent once per value, in order. */
function check(app: App, secret: string, headers: Record<string, string | string[]>) {
  return app.inject({
    method: 'GET',
    url: '/auth/check',
    headers: { authorization: `Bearer ${secret}`, ...headers },
  });
}

describe('the path a SCIM-only token is checked against', () => {
  it.each([
    '/scim/v2/Users',
    '/scim/v2/Users?filter=userName%20eq%20%22a%22',
    '/scim/v2',
    '/scim/v2/',
    '/sc%69m/v2/Groups',
    // Decoded once, as nginx does: the segment `%2e%2e`, not `..`, so still under /scim/v2.
    '/scim/v2/%252e%252e/%252e%252e/admin/x',
  ])('admits %s', async (path) => {
    const response = await check(h.app, scim, { 'x-forwarded-uri': path });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-tessera-kind']).toBe('service');
  });

  it.each([
    ['/admin/x', 'insufficient_scope'],
    ['/scim/v2x', 'insufficient_scope'],
    ['/SCIM/v2/Users', 'insufficient_scope'],
    ['/api/me?next=/scim/v2/Users', 'insufficient_scope'],
    // The three reproductions of item 2: nginx and Caddy route all of them to /admin/x.
    ['/scim/v2/../../admin/x', 'forwarded_path_invalid'],
    ['/scim/v2/%2e%2e/%2e%2e/admin/x', 'forwarded_path_invalid'],
    ['/scim/v2/..%2f..%2fadmin/x', 'forwarded_path_invalid'],
    ['/scim/v2/%2E%2E/admin/x', 'forwarded_path_invalid'],
    ['/scim/v2/..;/admin/x', 'forwarded_path_invalid'],
    ['/scim/v2/..%5c..%5cadmin/x', 'forwarded_path_invalid'],
    ['/scim/v2/..\\..\\admin/x', 'forwarded_path_invalid'],
    ['/scim/v2/%c0%ae%c0%ae/admin/x', 'forwarded_path_invalid'],
    ['/scim/v2/Users%00/../../admin', 'forwarded_path_invalid'],
    ['/scim/v2/%zz', 'forwarded_path_invalid'],
    ['scim/v2/Users', 'forwarded_path_invalid'],
  ])('refuses %s with 403 %s', async (path, code) => {
    const response = await check(h.app, scim, { 'x-forwarded-uri': path });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe(code);
    expect(response.headers['x-tessera-user']).toBeUndefined();
    if (code === 'forwarded_path_invalid') {
      expect(response.json().details).toEqual({ field: 'X-Forwarded-Uri', in: 'headers' });
      expect(response.json().message).toMatch(/^X-Forwarded-Uri: the proxied path is refused, as its? /);
    }
  });

  it('refuses a SCIM-only token when no proxied path is given (the path is then /)', async () => {
    const response = await check(h.app, scim, {});
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('insufficient_scope');
  });

  it('never echoes the path, which may hold a secret in its query', async () => {
    const response = await check(h.app, scim, { 'x-forwarded-uri': `/scim/v2/%2e%2e/x?token=${api}` });
    expect(response.json().code).toBe('forwarded_path_invalid');
    expect(response.body).not.toContain(api);
    expect(response.body).not.toContain('%2e');
  });
});

describe('a SCIM-only token calling Tessera directly', () => {
  it.each(['/api/me', '/api/me?next=/scim/v2/Users', '/api/tokens/a%2Fb', '/api/tokens/%252e%252e'])(
    'is judged on the normalized path of %s: 403 insufficient_scope',
    async (url) => {
      const response = await h.request({ url, token: scim });
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('insufficient_scope');
    },
  );
});

describe('path headers that disagree (item 1)', () => {
  it('refuses the client-sent X-Forwarded-Uri that an nginx setting X-Original-URI passes through', async () => {
    // curl -H 'X-Forwarded-Uri: /scim/v2/x' http://proxy/admin/x behind `X-Original-URI $request_uri`:
    // whichever order the headers arrive in.
    for (const headers of [
      { 'x-forwarded-uri': '/scim/v2/x', 'x-original-uri': '/admin/x' },
      { 'x-original-uri': '/admin/x', 'x-forwarded-uri': '/scim/v2/x' },
    ]) {
      const response = await check(h.app, scim, headers);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({
        code: 'forwarded_path_conflict',
        details: { field: 'X-Original-URI', in: 'headers' },
      });
      expect(response.json().message).toContain('X-Original-URI names a different path than X-Forwarded-Uri');
    }
  });

  it('refuses when X-Original-URL disagrees, or the one header is sent twice with different paths', async () => {
    const url = await check(h.app, scim, {
      'x-forwarded-uri': '/scim/v2/x',
      'x-original-url': 'https://api.example.com/admin/x',
    });
    expect(url.json()).toMatchObject({
      code: 'forwarded_path_conflict',
      details: { field: 'X-Original-URL' },
    });
    // A proxy that adds its header instead of setting it leaves the client's copy first.
    const twice = await check(h.app, scim, { 'x-forwarded-uri': ['/scim/v2/x', '/admin/x'] });
    expect(twice.statusCode).toBe(403);
    expect(twice.json().code).toBe('forwarded_path_conflict');
    expect(twice.json().message).toContain('X-Forwarded-Uri is sent more than once');
  });

  it('refuses another path header when the configured one is absent, naming both', async () => {
    const response = await check(h.app, scim, { 'x-original-uri': '/scim/v2/Users' });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('forwarded_path_conflict');
    expect(response.json().message).toContain(
      'X-Original-URI names a path but X-Forwarded-Uri, where the path is read from, is absent',
    );
  });

  it('refuses a disagreeing header that is not even a valid path', async () => {
    const response = await check(h.app, scim, {
      'x-forwarded-uri': '/scim/v2/Users',
      'x-original-uri': '/scim/v2/%2e%2e/admin',
    });
    expect(response.json().code).toBe('forwarded_path_conflict');
  });

  it('admits headers that agree once normalized', async () => {
    const response = await check(h.app, scim, {
      'x-forwarded-uri': '/scim/v2/Users?startIndex=1',
      'x-original-uri': '/scim/v2/%55sers',
      'x-original-url': 'https://api.example.com/scim/v2/Users',
      'X-FORWARDED-URI': '/scim/v2/Users?startIndex=1',
    });
    expect(response.statusCode).toBe(200);
    const twice = await check(h.app, scim, { 'x-forwarded-uri': ['/scim/v2/Users', '/scim/v2/Users'] });
    expect(twice.statusCode).toBe(200);
  });

  it('does not judge the path of a token whose scope does not depend on it', async () => {
    const cases: Record<string, string>[] = [
      { 'x-forwarded-uri': '/scim/v2/x', 'x-original-uri': '/admin/x' },
      { 'x-forwarded-uri': '/files/group%2Fproject/../x' },
    ];
    for (const headers of cases) {
      expect((await check(h.app, api, headers)).statusCode).toBe(200);
    }
  });
});

describe('TESSERA_FORWARDED_PATH_HEADER', () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp({
      services: h.services,
      config: loadConfig({
        TESSERA_WEB_DIR: 'test/no-console',
        TESSERA_FORWARDED_PATH_HEADER: 'X-Envoy-Original-Path',
      }),
    });
  });
  afterAll(() => app?.close());

  it('reads the path from the header it names, and holds every known header to it', async () => {
    expect((await check(app, scim, { 'x-envoy-original-path': '/scim/v2/Users' })).statusCode).toBe(200);
    // The known headers are no longer read, so a client's copy cannot choose the path...
    const forged = await check(app, scim, {
      'x-envoy-original-path': '/admin/x',
      'x-forwarded-uri': '/scim/v2/x',
    });
    expect(forged.json().code).toBe('forwarded_path_conflict');
    expect(forged.json().message).toContain(
      'X-Forwarded-Uri names a different path than X-Envoy-Original-Path',
    );
    // ...nor stand in for the named one.
    const alone = await check(app, scim, { 'x-forwarded-uri': '/scim/v2/Users' });
    expect(alone.json().code).toBe('forwarded_path_conflict');
    const invalid = await check(app, scim, { 'x-envoy-original-path': '/scim/v2/../admin' });
    expect(invalid.json()).toMatchObject({
      code: 'forwarded_path_invalid',
      details: { field: 'X-Envoy-Original-Path' },
    });
  });

  it('must be a header name', () => {
    expect(() => loadConfig({ TESSERA_FORWARDED_PATH_HEADER: 'X Forwarded Uri' })).toThrow(
      /TESSERA_FORWARDED_PATH_HEADER: must be an HTTP header name/,
    );
    expect(loadConfig({}).forwardedPathHeader).toBe('X-Forwarded-Uri');
  });
});
