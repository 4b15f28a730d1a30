import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { BODY_LIMIT } from '../../src/platform/http/body-limit.ts';
import { MAX_NESTING } from '../../src/platform/http/error-handling.ts';
import { type Session, setupHarness } from '../support/harness.ts';

// Every error reaches the client as { code, message, details? } with the right status: Tessera's own,
// Fastify's (content-type parsers, the body limit, the router), Node's HTTP parser's, and those thrown
// while a reply is being sent (a response that fails its schema, a header Node refuses to write).
const h = setupHarness();

/** The one error shape, and nothing of Fastify's own (`statusCode`, `error`). */
function expectError(response: LightMyRequestResponse, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as Record<string, unknown>;
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  for (const key of Object.keys(body)) expect(['code', 'message', 'details']).toContain(key);
}

beforeAll(() => {
  // Routes that fail while their reply is sent; none of Tessera's own do, which is the point.
  h.app.get(
    '/test/breaks-its-schema',
    { config: { auth: 'public' }, schema: { response: { 200: z.object({ count: z.number() }) } } },
    async () => ({ count: 'many' }) as unknown as { count: number },
  );
  h.app.get('/test/unwritable-header', { config: { auth: 'public' } }, async (_request, reply) => {
    reply.header('x-test-kept', 'fine').header('x-test-name', 'line\nbreak');
    return { ok: true };
  });
  h.app.get('/test/throws', { config: { auth: 'public' } }, async () => {
    throw new TypeError('a bug');
  });
});

describe('errors raised while sending a reply', () => {
  it('a response that fails its schema is a 500 in the one shape', async () => {
    expectError(await h.app.inject({ url: '/test/breaks-its-schema' }), 500, 'internal_error');
  });

  it('a header Node refuses to write is left out of the 500, which keeps the one shape', async () => {
    const response = await h.app.inject({ url: '/test/unwritable-header' });
    expectError(response, 500, 'internal_error');
    expect(response.headers['x-test-name']).toBeUndefined();
    expect(response.headers['x-test-kept']).toBe('fine');
  });

  it('an unexpected exception is a 500 in the one shape', async () => {
    expectError(await h.app.inject({ url: '/test/throws' }), 500, 'internal_error');
  });
});

describe("Fastify's own errors", () => {
  let headers: Record<string, string>;
  // Each test's own: the harness empties the tables before each.
  beforeEach(async () => {
    const admin: Session = await h.session('admin');
    headers = { cookie: `tessera_session=${admin.cookie}`, 'x-csrf-token': admin.csrf };
  });
  const post = (payload: string | Buffer, contentType: string, url = '/api/teams') =>
    h.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': contentType }, payload });

  it('content-type parsers: 415 for other media types, 400 for bad JSON and poisoned prototypes', async () => {
    expectError(await post('name=x', 'text/plain'), 415, 'unsupported_media_type');
    expectError(await post('<team/>', 'application/xml'), 415, 'unsupported_media_type');
    expectError(await post('{"name": "Trunc', 'application/json'), 400, 'invalid_json');
    expectError(await post('{"name": "x"', 'application/json; charset=utf-8'), 400, 'invalid_json');
    // secure-json-parse's protection, kept by Tessera's own JSON parser.
    expectError(
      await post('{"name":"x","__proto__":{"admin":true}}', 'application/json'),
      400,
      'invalid_json',
    );
    expectError(
      await post('{"name":"x","constructor":{"prototype":{"admin":true}}}', 'application/json'),
      400,
      'invalid_json',
    );
  });

  it('the body limit: 413', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(BODY_LIMIT) });
    expectError(await post(body, 'application/json'), 413, 'payload_too_large');
  });

  it('the nesting guard still holds after the JSON parser', async () => {
    const deep = `${'['.repeat(MAX_NESTING + 2)}${']'.repeat(MAX_NESTING + 2)}`;
    const response = await post(`{"name":${deep}}`, 'application/json');
    expectError(response, 400, 'invalid_request');
    expect(response.json().details).toMatchObject({ max_nesting: MAX_NESTING });
  });

  it('the router: 404 for no route, 400 for a URL that cannot be decoded or a segment too long', async () => {
    expectError(await h.app.inject({ url: '/api/nothing-here' }), 404, 'not_found');
    expectError(await h.app.inject({ url: '/api/tokens/%E0%A4%A' }), 400, 'invalid_request');
    expectError(await h.app.inject({ url: `/api/tokens/${'a'.repeat(300)}` }), 400, 'invalid_request');
  });

  it('header validation by Node, on a real socket: 400 and 431 in the one shape', async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const raw = (text: string) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(text));
        let received = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk) => {
          received += chunk;
        });
        socket.on('close', () =>
          resolve({
            status: Number(received.slice(9, 12)),
            body: JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)),
          }),
        );
        socket.on('error', reject);
      });
    const badName = await raw('GET /api/me HTTP/1.1\r\nHost: localhost\r\nX Bad Name: 1\r\n\r\n');
    expect(badName).toEqual({
      status: 400,
      body: { code: 'invalid_request', message: 'The request could not be parsed as HTTP.' },
    });
    const badValue = await raw('GET /api/me HTTP/1.1\r\nHost: localhost\r\nX-Bad: a\u0001b\r\n\r\n');
    expect(badValue.status).toBe(400);
    expect(badValue.body.code).toBe('invalid_request');
    const huge = await raw(`GET /api/me HTTP/1.1\r\nHost: localhost\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toEqual({
      status: 431,
      body: { code: 'headers_too_large', message: 'The request headers are too large.' },
    });
  });
});

describe('a JSON content type with an empty body is no body', () => {
  it('DELETE and revoke with Content-Type: application/json and nothing else succeed', async () => {
    const session = await h.session('member');
    const { token } = await h.generate(session, { name: 'Bodiless', kind: 'personal', expires_in_days: 30 });
    const bodiless = (method: 'POST' | 'DELETE', url: string) =>
      h.app.inject({
        method,
        url,
        headers: {
          cookie: `tessera_session=${session.cookie}`,
          'x-csrf-token': session.csrf,
          'content-type': 'application/json',
        },
      });
    const revoked = await bodiless('POST', `/api/tokens/${token.id}/revoke`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().token?.status ?? revoked.json().status).toBe('revoked');
    const deleted = await bodiless('DELETE', `/api/tokens/${token.id}`);
    expect(deleted.statusCode, deleted.body).toBeLessThan(300);
    expectError(await h.request({ url: `/api/tokens/${token.id}`, session }), 404, 'not_found');
  });

  it('a route that needs a body says which field is missing, and a truncated body is still invalid JSON', async () => {
    const session = await h.session('member');
    const headers = {
      cookie: `tessera_session=${session.cookie}`,
      'x-csrf-token': session.csrf,
      'content-type': 'application/json',
    };
    expectError(await h.app.inject({ method: 'POST', url: '/api/tokens', headers }), 400, 'invalid_request');
    expectError(
      await h.app.inject({ method: 'POST', url: '/api/tokens', headers, payload: '{"name":"Half' }),
      400,
      'invalid_json',
    );
    expectError(
      await h.app.inject({ method: 'POST', url: '/api/tokens', headers, payload: ' ' }),
      400,
      'invalid_json',
    );
  });
});

describe('a server shutting down', () => {
  it('serves a request that reaches it while it drains, instead of a 503 in Fastify shape', async () => {
    const app = await buildApp({
      services: h.services,
      config: loadConfig({ TESSERA_WEB_DIR: 'test/no-console' }),
    });
    // preClose runs once Fastify has marked itself closing, before it stops listening: a request made
    // there arrives mid-drain, as one on a keep-alive connection would.
    let during: { status: number; body: unknown } | undefined;
    app.addHook('preClose', async () => {
      const response = await fetch(`${url}/healthz`);
      during = { status: response.status, body: await response.json() };
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    await app.close();
    expect(during).toEqual({ status: 200, body: { status: 'ok' } });
  });
});
