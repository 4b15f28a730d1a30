import { Writable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { checkSecret, secretChecksum } from '../../src/core/secret.ts';
import { sha256Hex } from '../../src/platform/hashing.ts';
import type { App } from '../../src/platform/http/types.ts';
import { loggerOptions } from '../../src/server.ts';
import { createServices, type Services } from '../../src/services.ts';
import { TestClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

// A full life of tokens and sessions through an app whose every log line (at trace level, with the
// production redaction), every query sent to the database, every response, the audit log, the metrics and
// finally every table are captured; then no secret — token, password, session cookie — may be in any of it,
// except the one response that creates each token.

const logLines: string[] = [];
const queries: string[] = [];
let database: TestDatabase;
let services: Services;
let app: App;

beforeAll(async () => {
  database = await createTestDatabase();
  // Every statement as it is sent, with its parameter values: prepared ones (the verification's, built
  // once) included.
  database.handle.observeQueries((event) => {
    queries.push(`${event.query.sql}\n${JSON.stringify(event.query.parameters)}`);
  });
  services = createServices({
    db: database.handle.db,
    clock: new TestClock(),
    lastUsedFlushMs: 1000,
    sessionTtlHours: 12,
    onBackgroundError: (error) => {
      throw error;
    },
  });
  const config = loadConfig({ TESSERA_WEB_DIR: 'test/no-console', TESSERA_LOG_LEVEL: 'trace' });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  app = await buildApp({ services, config, logger: { ...(loggerOptions(config) as object), stream } });
});

afterAll(async () => {
  await app?.close();
  await services?.lastUsed.flush().catch(() => {});
  await database?.dispose();
});

const ADMIN_PASSWORD = 'Admin-Password-Never-Logged-42';
const MEMBER_PASSWORD = 'Member-Password-Never-Logged-43';

describe('secret hygiene', () => {
  it('keeps every secret out of logs, queries, audit rows, error bodies, metrics and tables', async () => {
    const responses: { label: string; response: LightMyRequestResponse; createsSecret?: string }[] = [];
    const send = async (label: string, options: InjectOptions) => {
      const response = await app.inject(options);
      responses.push({ label, response });
      return response;
    };

    await services.accounts.createHuman(null, {
      email: 'admin@example.com',
      password: ADMIN_PASSWORD,
      role: 'admin',
    });
    await services.accounts.createHuman(null, {
      email: 'member@example.com',
      password: MEMBER_PASSWORD,
      role: 'member',
    });
    const svc = await services.accounts.createServiceUser(null, { name: 'svc-hygiene', role: 'member' });

    const signIn = async (email: string, password: string) => {
      const response = await send(`sign in ${email}`, {
        method: 'POST',
        url: '/api/auth/login',
        payload: { email, password },
      });
      const cookie = response.cookies.find((c) => c.name === 'tessera_session')?.value ?? '';
      return {
        cookie,
        headers: { cookie: `tessera_session=${cookie}`, 'x-csrf-token': response.json().csrf_token },
      };
    };
    // Wrong passwords, one of them a near miss of the real one.
    await send('wrong password', {
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'admin@example.com', password: `${ADMIN_PASSWORD}x` },
    });
    await send('unknown email', {
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'nobody@example.com', password: MEMBER_PASSWORD },
    });
    const admin = await signIn('admin@example.com', ADMIN_PASSWORD);
    const member = await signIn('member@example.com', MEMBER_PASSWORD);

    const secrets: string[] = [];
    const generate = async (
      label: string,
      headers: Record<string, string>,
      body: Record<string, unknown>,
    ) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers,
        payload: { expires_in_days: 30, ...body },
      });
      expect(response.statusCode, response.body).toBe(201);
      const { secret, token } = response.json();
      secrets.push(secret);
      responses.push({ label, response, createsSecret: secret });
      return { secret, id: token.id as string };
    };
    const personal = await generate('generate personal', member.headers, { name: 'Laptop' });
    const service = await generate('generate service', admin.headers, {
      name: 'CI',
      kind: 'service',
      service_user_id: svc.id,
    });
    const scim = await generate('generate scim', admin.headers, {
      name: 'SCIM',
      kind: 'service',
      service_user_id: svc.id,
      scopes: ['scim'],
    });

    for (const { secret } of [personal, service, scim]) {
      const bearer = { authorization: `Bearer ${secret}`, 'user-agent': 'hygiene/1' };
      await send('me', { url: '/api/me', headers: bearer });
      await send('check', {
        url: '/auth/check',
        headers: { ...bearer, 'x-forwarded-uri': `/x?token=${secret}` },
      });
      await send('introspect json', { method: 'POST', url: '/api/introspect', payload: { token: secret } });
      await send('introspect form', {
        method: 'POST',
        url: '/api/introspect',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${encodeURIComponent(secret)}`,
      });
      // Mistakes people make: the token in a query string, in a wrong URL, as a wrong header, half-typed.
      await send('token in query', { url: `/api/me?access_token=${secret}`, headers: bearer });
      await send('token in path', { url: `/api/${secret}` });
      await send('basic auth', {
        url: '/api/me',
        headers: { authorization: `Basic ${Buffer.from(`x:${secret}`).toString('base64')}` },
      });
      await send('token scheme', { url: '/api/me', headers: { authorization: `token ${secret}` } });
      await send('truncated', {
        url: '/api/me',
        headers: { authorization: `Bearer ${secret.slice(0, -1)}` },
      });
      // A near miss that passes the checksum: one random character changed, checksum recomputed.
      const body = secret.slice(0, -6);
      const flipped = body.slice(0, -1) + (body.endsWith('a') ? 'b' : 'a');
      const nearMiss = flipped + secretChecksum(flipped);
      expect(checkSecret(nearMiss).valid).toBe(true);
      await send('near miss', { url: '/api/me', headers: { authorization: `Bearer ${nearMiss}` } });
      await send('duplicate name', {
        method: 'POST',
        url: '/api/tokens',
        headers: member.headers,
        payload: { name: 'Laptop', expires_in_days: 30 },
      });
    }
    for (const [label, token, headers] of [
      ['personal', personal, member.headers],
      ['service', service, admin.headers],
    ] as const) {
      await send(`revoke ${label}`, {
        method: 'POST',
        url: `/api/tokens/${token.id}/revoke`,
        headers,
        payload: { reason: 'test' },
      });
      await send(`use revoked ${label}`, {
        url: '/api/me',
        headers: { authorization: `Bearer ${token.secret}` },
      });
      await send(`restore ${label}`, { method: 'POST', url: `/api/tokens/${token.id}/restore`, headers });
      await send(`revoke again ${label}`, {
        method: 'POST',
        url: `/api/tokens/${token.id}/revoke`,
        headers,
        payload: {},
      });
      await send(`delete ${label}`, { method: 'DELETE', url: `/api/tokens/${token.id}`, headers });
      await send(`use deleted ${label}`, {
        url: '/api/me',
        headers: { authorization: `Bearer ${token.secret}` },
      });
      await send(`list ${label}`, { url: `/api/tokens?kind=${label}`, headers });
    }
    // Leaked secrets: looked up and revoked by an Admin, and revoked by value (RFC 7009), form and JSON.
    const leakedA = await generate('generate leaked a', member.headers, { name: 'Leaked A' });
    const leakedB = await generate('generate leaked b', member.headers, { name: 'Leaked B' });
    const leakedC = await generate('generate leaked c', member.headers, { name: 'Leaked C' });
    const leakedText = `2026-12-04 deploy: Authorization: Bearer ${leakedA.secret}\n+ TOKEN=${leakedB.secret}`;
    await send('leaked lookup', {
      method: 'POST',
      url: '/api/leaked-secrets/lookup',
      headers: admin.headers,
      payload: { text: leakedText },
    });
    await send('leaked revoke', {
      method: 'POST',
      url: '/api/leaked-secrets/revoke',
      headers: admin.headers,
      payload: { secrets: [leakedA.secret] },
    });
    await send('leaked revoke malformed', {
      method: 'POST',
      url: '/api/leaked-secrets/revoke',
      headers: admin.headers,
      payload: { secrets: [`${leakedB.secret.slice(0, -1)}x`] },
    });
    await send('revoke by value form', {
      method: 'POST',
      url: '/api/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${encodeURIComponent(leakedB.secret)}&token_type_hint=access_token`,
    });
    await send('revoke by value json', {
      method: 'POST',
      url: '/api/revoke',
      payload: { token: leakedC.secret },
    });
    await send('revoke by value again', {
      method: 'POST',
      url: '/api/revoke',
      payload: { token: leakedC.secret },
    });
    await send('revoke by value too big', {
      method: 'POST',
      url: '/api/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${encodeURIComponent(leakedA.secret)}&pad=${'x'.repeat(5000)}`,
    });
    // ...so these calls did what they are for (and the check below looks at real work).
    const leakedList = await app.inject({ url: '/api/tokens?q=Leaked&sort=name', headers: member.headers });
    expect(
      leakedList
        .json()
        .items.map((t: { name: string; revoked_reason: string }) => [t.name, t.revoked_reason]),
    ).toEqual([
      ['Leaked A', 'leaked'],
      ['Leaked B', 'revoked by value'],
      ['Leaked C', 'revoked by value'],
    ]);
    await send('sign out', { method: 'POST', url: '/api/auth/logout', headers: member.headers });
    await send('stale session', { url: '/api/me', headers: member.headers });
    await services.lastUsed.flush();
    await services.audit.flushFailures();
    const audit = await send('audit', { url: '/api/audit?limit=100', headers: admin.headers });
    expect(audit.json().items.length).toBeGreaterThan(10);
    const metrics = await send('metrics', { url: '/metrics' });

    const needles = [
      ...secrets.flatMap((s) => [s, s.slice(8, -6), s.slice(8, 24)]),
      ADMIN_PASSWORD,
      MEMBER_PASSWORD,
      admin.cookie,
      member.cookie,
    ];
    const haystacks: [string, string][] = [
      ...logLines.map((line, i) => [`log line ${i}`, line] as [string, string]),
      ...queries.map((query, i) => [`query ${i}`, query] as [string, string]),
      ...responses.map(({ label, response, createsSecret }) => {
        // The one response allowed to hold a secret is the one that creates it; the rest of it must not.
        const body = createsSecret ? response.body.replace(createsSecret, '') : response.body;
        const headers = Object.entries(response.headers)
          .filter(([name]) => name !== 'set-cookie' || label.startsWith('sign in') === false)
          .map(([name, value]) => `${name}: ${value}`)
          .join('\n');
        return [`response to ${label}`, `${headers}\n${body}`] as [string, string];
      }),
      ['metrics', metrics.body],
      ['audit log', JSON.stringify(await sql`select * from audit_events`.execute(database.handle.db))],
    ];
    for (const table of ['tokens', 'accounts', 'sessions', 'audit_events', 'teams', 'account_teams']) {
      haystacks.push([
        `table ${table}`,
        JSON.stringify((await sql`select * from ${sql.table(table)}`.execute(database.handle.db)).rows),
      ]);
    }
    expect(logLines.length).toBeGreaterThan(50);
    expect(queries.length).toBeGreaterThan(50);
    const leaks = haystacks.flatMap(([where, text]) =>
      needles
        .filter((needle) => needle && text.includes(needle))
        .map((needle) => `${where} holds ${needle.slice(0, 12)}…`),
    );
    expect(leaks).toEqual([]);
    // The logs did record the requests (so the check above looked at something real), with the
    // credentials' headers redacted and the query-string token scrubbed.
    expect(logLines.join('')).toContain('/api/me?access_token=tsr_[redacted]');
  });

  it('looks a token up by its SHA-256 alone: the database never sees the secret or a part of it', async () => {
    const session = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'member@example.com', password: MEMBER_PASSWORD },
    });
    const headers = {
      cookie: `tessera_session=${session.cookies[0]!.value}`,
      'x-csrf-token': session.json().csrf_token,
    };
    const { secret } = (
      await app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers,
        payload: { name: 'Lookup', expires_in_days: 30 },
      })
    ).json();
    const body = secret.slice(0, -6);
    // Candidates sharing ever longer prefixes with the real secret, each with a valid checksum.
    const candidates = [8, 16, 24, 32, 39].map((keep) => {
      const changed = body.slice(0, keep) + (body[keep] === 'Z' ? 'Y' : 'Z') + body.slice(keep + 1);
      return changed + secretChecksum(changed);
    });
    for (const candidate of [secret, ...candidates]) {
      queries.length = 0;
      const response = await app.inject({
        url: '/api/me',
        headers: { authorization: `Bearer ${candidate}` },
      });
      expect(response.statusCode).toBe(candidate === secret ? 200 : 401);
      const sent = queries.join('\n');
      // The only trace of the candidate in what reaches the database is its hash (a cache may spare the
      // lookup of a token already seen; an unknown candidate always goes to the database)...
      if (candidate !== secret || sent) expect(sent).toContain(sha256Hex(candidate));
      // ...so how much of a guess is right changes nothing the database compares: no part of it is sent.
      for (let start = 8; start + 8 <= candidate.length; start += 4) {
        expect(sent).not.toContain(candidate.slice(start, start + 8));
      }
    }
  });
});
