import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { REVOCATION_BODY_LIMIT } from '../../src/auth/token-checks.ts';
import { BODY_LIMIT } from '../../src/platform/http/body-limit.ts';
import { MAX_NESTING } from '../../src/platform/http/error-handling.ts';
import { PASSWORD, type Session, setupHarness } from '../support/harness.ts';

// Property-based attacks on every endpoint that takes input: whatever arrives, the answer is never a 5xx,
// an error always has the shape { code, message, details? } (naming the field for invalid input), and a
// rejected request writes nothing. numRuns stays modest so the file runs in well under 30 s per engine.
const h = setupHarness({
  env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '0', TESSERA_SIGN_IN_FAILURES_PER_ADDRESS: '0' },
});
const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 25);

// Characters that break naive code: NUL and other controls, lone surrogates, bidi overrides, zero-width
// and byte-order marks, line separators, SQL LIKE wildcards and quotes, markup, emoji, combining marks.
const nasty = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\n',
  '\r',
  '\t',
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200f',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u2028',
  '\ufffd',
  '%',
  '_',
  "'",
  '"',
  '\\',
  '<',
  '\u{1f600}',
  'e\u0301',
);
const char = fc.oneof(nasty, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const hostileString = fc.oneof(
  fc.string({ unit: char, maxLength: 40 }),
  fc.constantFrom('', ' ', '   ', 'null', 'undefined', '0', '-1', '1e400', 'NaN', '__proto__', 'constructor'),
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.string({ unit: char, minLength: 1, maxLength: 3 }).map((s) => s.repeat(2000)),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  fc.integer(),
  fc.double(),
  fc.constantFrom(true, false, null, 0, -1, 2 ** 53, 1e308, -0),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 2 }),
);

interface Endpoint {
  method: 'POST' | 'PATCH';
  url: (ids: Ids) => string;
  fields: string[];
}
interface Ids {
  token: string;
  account: string;
}

/** Every endpoint with a body, and the fields its schema knows. */
const BODY_ENDPOINTS: Endpoint[] = [
  { method: 'POST', url: () => '/api/auth/login', fields: ['email', 'password'] },
  {
    method: 'POST',
    url: () => '/api/tokens',
    fields: ['name', 'kind', 'expires_in_days', 'service_user_id', 'scopes'],
  },
  { method: 'POST', url: (ids) => `/api/tokens/${ids.token}/revoke`, fields: ['reason'] },
  {
    method: 'POST',
    url: () => '/api/users',
    fields: ['email', 'name', 'password', 'role', 'team_ids', 'avatar_url'],
  },
  {
    method: 'POST',
    url: () => '/api/service-users',
    fields: ['name', 'email', 'internal_id', 'role', 'team_ids', 'avatar_url'],
  },
  {
    method: 'PATCH',
    url: (ids) => `/api/users/${ids.account}`,
    fields: ['name', 'email', 'role', 'team_ids', 'avatar_url'],
  },
  { method: 'POST', url: () => '/api/teams', fields: ['name'] },
  { method: 'POST', url: () => '/api/introspect', fields: ['token', 'token_type_hint'] },
  { method: 'POST', url: () => '/api/revoke', fields: ['token', 'token_type_hint'] },
];

const QUERY_ENDPOINTS: { url: string; params: string[] }[] = [
  {
    url: '/api/tokens',
    params: ['kind', 'q', 'status', 'service_user_id', 'sort', 'order', 'limit', 'cursor'],
  },
  {
    url: '/api/users',
    params: [
      'kind',
      'type',
      'role',
      'team',
      'q',
      'id',
      'include_deactivated',
      'sort',
      'order',
      'limit',
      'cursor',
    ],
  },
  { url: '/api/audit', params: ['actor_id', 'target_id', 'action', 'limit', 'cursor'] },
];

async function rowCounts() {
  const { rows } = await sql<Record<string, string>>`
    select (select count(*) from tokens) as tokens, (select count(*) from accounts) as accounts,
           (select count(*) from teams) as teams, (select count(*) from account_teams) as memberships,
           (select count(*) from sessions) as sessions, (select count(*) from audit_events) as audit,
           (select coalesce(max(md5(t::text)), '') from tokens t) as token_digest,
           (select string_agg(md5(a::text), ',' order by a.id) from accounts a) as account_digest`.execute(
    h.database.handle.db,
  );
  return rows[0]!;
}

/** The checks every response must pass, whatever was sent. */
function expectWellBehaved(response: LightMyRequestResponse, what: string) {
  expect(response.statusCode, `${what}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  expect(response.body, what).not.toMatch(/at \S+\.ts:\d+|node_modules|stack/);
  if (response.statusCode < 400) return;
  const body = response.json();
  expect(Object.keys(body).sort(), what).toEqual(
    body.details === undefined ? ['code', 'message'] : ['code', 'details', 'message'],
  );
  expect(body.code, what).toMatch(/^[a-z_]+$/);
  expect(typeof body.message, what).toBe('string');
  if (response.statusCode === 400 && body.code === 'invalid_request') {
    // Invalid input names the field, in details and at the start of the message.
    expect(typeof body.details?.field, `${what}: ${response.body}`).toBe('string');
    expect(body.message.startsWith(`${body.details.field}:`), `${what}: ${body.message}`).toBe(true);
  }
}

let admin: Session;
let ids: Ids;

beforeEach(async () => {
  admin = await h.session('admin');
  const { token } = await h.generate(admin, { name: 'Target' });
  const svc = await h.serviceUser();
  ids = { token: token.id, account: svc.id };
});

async function sendRejectingNothingWritten(
  what: string,
  send: () => Promise<LightMyRequestResponse>,
): Promise<LightMyRequestResponse> {
  const before = await rowCounts();
  const response = await send();
  expectWellBehaved(response, what);
  if (response.statusCode >= 400) {
    const after = await rowCounts();
    // A failed sign-in is itself recorded (one audit row); nothing else may change.
    if (response.statusCode === 401 && what.includes('/api/auth/login')) {
      expect(Number(after.audit) - Number(before.audit)).toBeLessThanOrEqual(1);
      after.audit = before.audit as string;
    }
    expect(after, `${what} → ${response.statusCode} wrote something`).toEqual(before);
  }
  return response;
}

describe('hostile bodies', () => {
  it('survives any JSON value as the body of every endpoint', async () => {
    for (const endpoint of BODY_ENDPOINTS) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 3 })), async (body) => {
          const url = endpoint.url(ids);
          await sendRejectingNothingWritten(`${endpoint.method} ${url}`, () =>
            h.app.inject({
              method: endpoint.method,
              url,
              headers: {
                cookie: `tessera_session=${admin.cookie}`,
                'x-csrf-token': admin.csrf,
                'content-type': 'application/json',
              },
              payload: JSON.stringify(body) ?? 'null',
            }),
          );
        }),
        { numRuns: RUNS },
      );
    }
  });

  it('survives objects with the right fields holding wrong types, hostile strings and unknown keys', async () => {
    for (const endpoint of BODY_ENDPOINTS) {
      const known = fc.dictionary(fc.constantFrom(...endpoint.fields), hostileValue, {
        maxKeys: endpoint.fields.length,
      });
      const unknown = fc.dictionary(hostileString, hostileValue, { maxKeys: 2 });
      await fc.assert(
        fc.asyncProperty(known, fc.option(unknown, { freq: 3 }), async (fields, extra) => {
          const url = endpoint.url(ids);
          const response = await sendRejectingNothingWritten(`${endpoint.method} ${url}`, () =>
            h.request({ method: endpoint.method, url, session: admin, body: { ...extra, ...fields } }),
          );
          // An unknown field is refused, by name (a typo must not be silently ignored).
          const unknownKeys = Object.keys(extra ?? {}).filter((k) => !endpoint.fields.includes(k));
          const lenient = url === '/api/introspect' || url === '/api/revoke';
          if (unknownKeys.length > 0 && response.statusCode === 400 && !lenient) {
            // (A `__proto__` key is refused by the JSON parser itself, as invalid_json.)
            expect(['invalid_request', 'invalid_json']).toContain(response.json().code);
          }
        }),
        { numRuns: RUNS },
      );
    }
  });

  // Found by the property above (seed -1389587437): a lone surrogate in the sign-in email was a 500.
  // JavaScript strings may hold one; UTF-8, PostgreSQL text and jsonb cannot.
  it('refuses a lone surrogate anywhere in the input as invalid text, naming the field', async () => {
    for (const [url, body, field] of [
      ['/api/auth/login', { email: '\udfff', password: 'x' }, 'email'],
      ['/api/tokens', { name: 'half \ud83d', expires_in_days: 30 }, 'name'],
      ['/api/tokens', { name: 'ok', expires_in_days: 30, 'key \udc00': 1 }, 'key \\udc00'],
    ] as const) {
      const before = await rowCounts();
      const response = await h.request({
        method: 'POST',
        url,
        body,
        session: url === '/api/tokens' ? admin : undefined,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ code: 'invalid_request', details: { field } });
      expect(response.json().message.startsWith(`${field}: Must be valid Unicode text`)).toBe(true);
      expect(await rowCounts()).toEqual(before);
    }
    const query = await h.request({ url: '/api/tokens?q=%ED%B0%80', session: admin });
    expect(query.statusCode).toBeLessThan(500);
  });

  it('answers 400 invalid_json to text that is not JSON, and 415 to other media types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // Not empty: an empty body is no body (error-shape.test.ts), which a revoke does not need.
          fc.string({ unit: char, minLength: 1, maxLength: 60 }),
          fc.constantFrom(
            '{',
            '{"name":',
            '[1,',
            '{"a":1}}',
            "{'name':'x'}",
            '{"name":"x",}',
            'NaN',
            '\u0000',
          ),
        ),
        fc.constantFrom(...BODY_ENDPOINTS),
        async (text, endpoint) => {
          let parses = true;
          try {
            JSON.parse(text);
          } catch {
            parses = false;
          }
          const url = endpoint.url(ids);
          const response = await sendRejectingNothingWritten(
            `${endpoint.method} ${url} ${JSON.stringify(text)}`,
            () =>
              h.app.inject({
                method: endpoint.method,
                url,
                headers: {
                  cookie: `tessera_session=${admin.cookie}`,
                  'x-csrf-token': admin.csrf,
                  'content-type': 'application/json',
                },
                payload: text,
              }),
          );
          if (!parses) expect(response.statusCode).toBe(400);
        },
      ),
      { numRuns: RUNS * 4 },
    );
    const xml = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: {
        cookie: `tessera_session=${admin.cookie}`,
        'x-csrf-token': admin.csrf,
        'content-type': 'application/xml',
      },
      payload: '<token/>',
    });
    expect(xml.statusCode).toBe(415);
    expectWellBehaved(xml, 'xml');
  });

  it('takes the last of duplicate keys, so a duplicate cannot smuggle a second value past validation', async () => {
    const send = (payload: string) =>
      sendRejectingNothingWritten('duplicate keys', () =>
        h.app.inject({
          method: 'POST',
          url: '/api/tokens',
          headers: {
            cookie: `tessera_session=${admin.cookie}`,
            'x-csrf-token': admin.csrf,
            'content-type': 'application/json',
          },
          payload,
        }),
      );
    const bad = await send('{"name":"ok","expires_in_days":30,"name":"\\u0000"}');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.field).toBe('name');
    const scim = await send('{"name":"dup","expires_in_days":30,"scopes":["api"],"scopes":"yes"}');
    expect(scim.statusCode).toBe(400);
    expect(scim.json().details.field).toBe('scopes');
    const good = await send('{"name":"\\u0000","expires_in_days":30,"name":"last wins"}');
    expect(good.statusCode).toBe(201);
    expect(good.json().token.name).toBe('last wins');
  });
});

/**
 * Every route that parses a body (POST, PUT, PATCH and DELETE in the OpenAPI document, /auth/check
 * included), so a route added later is covered without editing this file.
 */
function bodyRoutes(): { method: string; url: string }[] {
  const document = h.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((method) => ['post', 'put', 'patch', 'delete'].includes(method))
      .map((method) => ({
        method: method.toUpperCase(),
        url: path.replace('{id}', path.startsWith('/api/tokens/') ? ids.token : ids.account),
      })),
  );
}

function sendAs(method: string, url: string, contentType: string, payload: string) {
  return h.app.inject({
    method: method as 'POST',
    url,
    headers: {
      cookie: `tessera_session=${admin.cookie}`,
      'x-csrf-token': admin.csrf,
      'content-type': contentType,
    },
    payload,
  });
}

// Issue #31: 8,000 levels of nested JSON (16 KB) overflowed the recursive text guard's stack, a 500 on
// sign-in, introspection and token generation.
describe('deeply nested bodies', () => {
  const arrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const bodies = {
    '8,000 levels of arrays (16 KB)': arrays(8_000),
    '8,000 levels of objects': `${'{"a":'.repeat(8_000)}1${'}'.repeat(8_000)}`,
    // As deep as 64 KiB allows: 32,760 levels, under a field the schema knows.
    '32,760 levels under a known field': `{"name":${arrays(32_760)}}`,
  };

  it(`answers 400 naming the limit of ${MAX_NESTING} levels on every route that takes a body`, async () => {
    const routes = bodyRoutes();
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['POST /api/auth/login', 'POST /api/introspect', 'POST /api/tokens']),
    );
    for (const { method, url } of [...routes, { method: 'POST', url: '/api/no-such-route' }]) {
      for (const [what, payload] of Object.entries(bodies)) {
        expect(payload.length).toBeLessThanOrEqual(BODY_LIMIT);
        const response = await sendRejectingNothingWritten(`${method} ${url} ${what}`, () =>
          sendAs(method, url, 'application/json', payload),
        );
        if (url === '/api/no-such-route') continue;
        if (url === '/api/revoke' && payload.length > REVOCATION_BODY_LIMIT) {
          // Revocation takes 4 KiB at most: these bodies are refused before anything parses them.
          expect(response.statusCode, `${method} ${url} ${what}`).toBe(413);
          expect(response.json().code).toBe('payload_too_large');
          continue;
        }
        if (url === '/auth/check') {
          // Forward auth reads no body at all: it asks for a token, whatever was sent.
          expect(response.json().code, `${method} ${url} ${what}`).toBe('authentication_required');
          continue;
        }
        expect(response.statusCode, `${method} ${url} ${what}`).toBe(400);
        const field = what.includes('known field') ? 'name' : what.includes('objects') ? 'a' : 'body';
        expect(response.json()).toEqual({
          code: 'invalid_request',
          message: `${field}: Nested deeper than ${MAX_NESTING} levels of objects and arrays, the limit.`,
          details: { field, in: 'body', max_nesting: MAX_NESTING },
        });
      }
    }
  });

  it(`still takes ${MAX_NESTING} levels, and 100,000 levels are over the size limit before anything parses them`, async () => {
    let deep: unknown = 'x';
    for (let i = 1; i < MAX_NESTING; i++) deep = [deep];
    const atLimit = await h.request({ url: '/api/teams', session: admin, body: { name: deep } });
    expect(atLimit.statusCode).toBe(400);
    // Refused by the schema (name is a string), not by the depth limit.
    expect(atLimit.json().details).toMatchObject({ field: 'name', in: 'body' });
    expect(atLimit.json().details.max_nesting).toBeUndefined();
    const huge = await sendAs('POST', '/api/auth/login', 'application/json', arrays(100_000));
    expect(huge.statusCode).toBe(413);
  });

  it('cannot nest a form body: introspection reads brackets as part of a flat name', async () => {
    const brackets = '[a]'.repeat(8_000);
    const missing = await sendAs(
      'POST',
      '/api/introspect',
      'application/x-www-form-urlencoded',
      `token${brackets}=x`,
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.json().details.field).toBe('token');
    const extra = await sendAs(
      'POST',
      '/api/introspect',
      'application/x-www-form-urlencoded',
      `token=x&a${brackets}=1`,
    );
    expect(extra.statusCode).toBe(200);
    expect(extra.json()).toEqual({ active: false });
  });
});

// Issue #31: sign-in took form-encoded bodies, which an HTML form on any site can send.
describe('form-encoded bodies', () => {
  const form = 'application/x-www-form-urlencoded';

  it('are refused with 415 by every route but introspection, revocation, forward auth and token exchange', async () => {
    const person = await h.person({ email: 'form@example.com' });
    const credentials = `email=${encodeURIComponent(person.email!)}&password=${encodeURIComponent(PASSWORD)}`;
    for (const { method, url } of bodyRoutes()) {
      // Token exchange (RFC 8693) is form-encoded: test/integration/keyless-ci.test.ts.
      if (['/api/introspect', '/api/revoke', '/auth/check', '/oauth/token'].includes(url)) continue;
      const response = await sendRejectingNothingWritten(`${method} ${url} form`, () =>
        sendAs(method, url, form, url === '/api/auth/login' ? credentials : 'name=forged&expires_in_days=30'),
      );
      expect(response.statusCode, `${method} ${url}`).toBe(415);
      expect(response.json()).toEqual({
        code: 'unsupported_media_type',
        message: 'Send the body as application/json.',
      });
      expect(response.headers['set-cookie'], url).toBeUndefined();
    }
    // The same credentials as JSON sign in.
    const json = await h.request({
      url: '/api/auth/login',
      body: { email: person.email, password: PASSWORD },
    });
    expect(json.statusCode).toBe(200);
  });

  it('are still read by introspection (RFC 7662) and revocation (RFC 7009), and ignored by forward auth', async () => {
    const { secret } = await h.generate(admin, { name: 'Form' });
    const introspected = await sendAs('POST', '/api/introspect', form, `token=${secret}`);
    expect(introspected.statusCode).toBe(200);
    expect(introspected.json().active).toBe(true);
    const leaked = await h.generate(admin, { name: 'Form leaked' });
    const revoked = await sendAs('POST', '/api/revoke', form, `token=${leaked.secret}`);
    expect(revoked.statusCode).toBe(200);
    const after = await sendAs('POST', '/api/introspect', form, `token=${leaked.secret}`);
    expect(after.json().active).toBe(false);
    // nginx's auth_request passes the original Content-Type without the body.
    for (const contentType of [form, 'application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      for (const payload of [undefined, '{"a":', 'name=x']) {
        const checked = await h.app.inject({
          method: 'POST',
          url: '/auth/check',
          headers: { authorization: `Bearer ${secret}`, 'content-type': contentType },
          ...(payload === undefined ? {} : { payload }),
        });
        expect(checked.statusCode, `${contentType} ${payload}`).toBe(200);
      }
    }
  });
});

// Issue #31: `//evil.example/x.png` passed as "a path on this server"; a browser loads it from evil.example.
describe('avatar URLs', () => {
  const offSite = [
    '//evil.example/x.png',
    '/\\evil.example/x.png',
    '/\\/evil.example/x.png',
    '/\t/evil.example/x.png',
    '/\n/evil.example/x.png',
    // Does not parse as a URL at all.
    '//[',
    'javascript:alert(1)',
    'http://evil.example/x.png',
    'data:image/svg+xml,<svg/>',
    'avatars/x.png',
  ];

  it('refuse anything a browser would load from another origin, naming avatar_url, on create and update', async () => {
    const person = await h.person();
    for (const avatar_url of offSite) {
      for (const [method, url, body] of [
        ['POST', '/api/users', { email: 'avatar@example.com', avatar_url }],
        ['POST', '/api/service-users', { name: 'svc-avatar', avatar_url }],
        ['PATCH', `/api/users/${person.id}`, { avatar_url }],
        ['PATCH', `/api/users/${ids.account}`, { avatar_url }],
      ] as const) {
        const response = await sendRejectingNothingWritten(
          `${method} ${url} ${JSON.stringify(avatar_url)}`,
          () => h.request({ method, url, session: admin, body }),
        );
        expect(response.statusCode, `${url} ${JSON.stringify(avatar_url)}`).toBe(400);
        expect(response.json()).toMatchObject({
          code: 'invalid_request',
          details: { field: 'avatar_url' },
        });
      }
    }
  });

  it('take a path on this server or an https:// URL', async () => {
    const person = await h.person();
    for (const avatar_url of ['/avatars/alex-rivera.svg', 'https://cdn.example/x.png', null]) {
      const response = await h.request({
        method: 'PATCH',
        url: `/api/users/${person.id}`,
        session: admin,
        body: { avatar_url },
      });
      expect(response.statusCode, String(avatar_url)).toBe(200);
      expect(response.json().avatar_url).toBe(avatar_url);
    }
    const created = await h.request({
      url: '/api/service-users',
      session: admin,
      body: { name: 'svc-pictured', avatar_url: '/avatars/github-actions.svg' },
    });
    expect(created.statusCode).toBe(201);
  });
});

describe('hostile query strings and paths', () => {
  it('survives absurd query parameters on every list', async () => {
    const rawValue = fc.oneof(
      hostileString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
      fc.constantFrom(
        '%',
        '%zz',
        '%00',
        '%ff%fe',
        '&&&',
        '==',
        '[]',
        '%5B%5D',
        '-1',
        '1e999',
        '99999999999999999999',
      ),
    );
    for (const endpoint of QUERY_ENDPOINTS) {
      const key = fc.oneof(
        fc.constantFrom(...endpoint.params),
        fc.constantFrom('__proto__', 'constructor', 'a[b]', ''),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(key, rawValue), { maxLength: 5 }), async (pairs) => {
          const url = `${endpoint.url}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
          await sendRejectingNothingWritten(`GET ${url}`, () => h.request({ url, session: admin }));
        }),
        { numRuns: RUNS * 2 },
      );
    }
  });

  it('survives hostile IDs in every path', async () => {
    const routes = [
      ['GET', '/api/tokens/'],
      ['DELETE', '/api/tokens/'],
      ['GET', '/api/users/'],
      ['PATCH', '/api/users/'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), hostileString, async ([method, prefix], id) => {
        const encoded = encodeURIComponent(id.replace(/[\ud800-\udfff]/g, '').slice(0, 300));
        const url = `${prefix}${encoded}`;
        const response = await sendRejectingNothingWritten(`${method} ${url}`, () =>
          h.request({ method, url, session: admin, ...(method === 'PATCH' ? { body: { name: 'x' } } : {}) }),
        );
        expect([400, 404]).toContain(response.statusCode);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('survives hostile bearer tokens and cookies', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, async (value) => {
        // Header values cannot carry controls or non-Latin-1 characters: Node refuses them before sending.
        const header = value.replace(/[^\x20-\x7e\x80-\xff]/g, '').slice(0, 8000);
        for (const headers of [
          { authorization: `Bearer ${header}` },
          { authorization: header },
          { cookie: `tessera_session=${header}` },
        ]) {
          const response = await sendRejectingNothingWritten('GET /api/me', () =>
            h.app.inject({ method: 'GET', url: '/api/me', headers }),
          );
          expect([401, 400]).toContain(response.statusCode);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('size limits', () => {
  it(`answers 413 to a body over ${BODY_LIMIT / 1024} KiB on every endpoint, JSON or form`, async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(BODY_LIMIT) });
    for (const endpoint of BODY_ENDPOINTS) {
      const url = endpoint.url(ids);
      const response = await sendRejectingNothingWritten(`${endpoint.method} ${url}`, () =>
        h.app.inject({
          method: endpoint.method,
          url,
          headers: {
            cookie: `tessera_session=${admin.cookie}`,
            'x-csrf-token': admin.csrf,
            'content-type': 'application/json',
          },
          payload: huge,
        }),
      );
      expect(response.statusCode, url).toBe(413);
      expect(response.json().code).toBe('payload_too_large');
    }
    const form = await h.app.inject({
      method: 'POST',
      url: '/api/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${'x'.repeat(BODY_LIMIT)}`,
    });
    expect(form.statusCode).toBe(413);
  });

  it('refuses oversized bodies and headers from a real socket, streamed or not', async () => {
    // Node's HTTP parser enforces the header limit (maxHeaderSize, 16 KiB by default) before Fastify sees
    // anything, so this needs the app's own listening server rather than inject.
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const send = (options: { headers?: Record<string, string>; body?: string; chunked?: boolean }) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/introspect', headers: options.headers },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
              body += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        if (options.body !== undefined) {
          if (options.chunked) {
            for (let i = 0; i < options.body.length; i += 8192) req.write(options.body.slice(i, i + 8192));
          } else req.write(options.body);
        }
        req.end();
      });
    /** Bytes straight onto a socket: what comes back before the server closes it. */
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(text));
        let received = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk) => {
          received += chunk;
        });
        socket.on('close', () => resolve(received));
        socket.on('error', (error) => (received ? resolve(received) : reject(error)));
      });
    {
      const overflow = await raw(
        `GET /api/me HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`,
      );
      expect(overflow).toMatch(/^HTTP\/1\.1 431 /);
      expect(JSON.parse(overflow.slice(overflow.indexOf('\r\n\r\n') + 4))).toEqual({
        code: 'headers_too_large',
        message: 'The request headers are too large.',
      });
      const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
      expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
      expect(garbage).toContain('"code":"invalid_request"');
      const body = JSON.stringify({ token: 'x'.repeat(BODY_LIMIT + 10) });
      const sized = await send({
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      });
      expect(sized.status).toBe(413);
      expect(JSON.parse(sized.body).code).toBe('payload_too_large');
      // Without a Content-Length, the limit still holds as the chunks arrive.
      const streamed = await send({
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body,
        chunked: true,
      });
      expect(streamed.status).toBe(413);
      const fine = await send({ headers: { 'content-type': 'application/json' }, body: '{"token":"x"}' });
      expect(fine.status).toBe(200);
    }
  });
});
