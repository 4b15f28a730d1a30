import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { setupHarness } from '../support/harness.ts';

const h = setupHarness();

describe('operations endpoints', () => {
  it('answers /healthz and /readyz without credentials', async () => {
    expect((await h.request({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await h.request({ url: '/readyz' })).json()).toEqual({ status: 'ok' });
  });

  it('serves Prometheus text at /metrics', async () => {
    const response = await h.request({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'tessera_authentications_total',
      'tessera_last_used_flushes_total',
      'process_resident_memory_bytes',
    ]) {
      expect(response.body).toContain(`# TYPE ${name} `);
    }
  });

  it('serves the OpenAPI document with every endpoint of the spec, and the interactive page', async () => {
    const doc = (await h.request({ url: '/api/docs/json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/api/auth/login',
      '/api/auth/logout',
      '/api/me',
      '/api/tokens',
      '/api/tokens/{id}',
      '/api/tokens/{id}/revoke',
      '/api/tokens/{id}/restore',
      '/api/users',
      '/api/users/{id}',
      '/api/service-users',
      '/api/users/{id}/deactivate',
      '/api/users/{id}/reactivate',
      '/api/teams',
      '/api/audit',
      '/auth/check',
      '/api/introspect',
      '/healthz',
      '/readyz',
      '/metrics',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(doc.components.schemas.Token.properties.status.enum).toEqual(['active', 'revoked', 'expired']);
    const page = await h.request({ url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });
});

describe('one error shape, and never a 500 for bad input', () => {
  it('answers an unknown API path with a JSON 404', async () => {
    const response = await h.request({ url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'not_found', message: 'No route GET /api/nothing-here.' });
  });

  it('names malformed JSON, a wrong content type and an oversized body', async () => {
    const session = await h.session();
    const headers = { cookie: `tessera_session=${session.cookie}`, 'x-csrf-token': session.csrf };
    const malformed = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('invalid_json');
    const text = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { ...headers, 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('unsupported_media_type');
    const huge = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(70_000), expires_in_days: 30 }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('payload_too_large');
    const array = await h.request({ url: '/api/tokens', session, body: [1, 2] });
    expect(array.statusCode).toBe(400);
    const prototype = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"name":"x","expires_in_days":30,"__proto__":{"admin":true}}',
    });
    expect(prototype.statusCode).toBe(400);
  });

  it('never leaks a stack trace', async () => {
    const response = await h.request({ url: '/api/tokens?limit=-1' });
    expect(response.body).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('a database that has run out of space', () => {
  // A real error from a real database call: a trigger raises SQLSTATE 53100 (disk_full), as PostgreSQL
  // and PGlite do for ENOSPC. database-outage.test.ts fills a real file system on PostgreSQL.
  it('answers writes with 507 storage_full, and readiness reports it until a write succeeds', async () => {
    const session = await h.session('admin');
    const db = h.database.handle.db;
    await sql`create function pretend_disk_full() returns trigger language plpgsql as $$
      begin raise exception 'could not extend file' using errcode = 'disk_full'; end $$`.execute(db);
    await sql`create trigger pretend_disk_full before insert on tokens
      for each row execute function pretend_disk_full()`.execute(db);
    try {
      const refused = await h.request({
        url: '/api/tokens',
        session,
        body: { name: 'No room', kind: 'personal', expires_in_days: 30 },
      });
      expect(refused.statusCode).toBe(507);
      expect(refused.json()).toEqual({
        code: 'storage_full',
        message: 'The database has run out of storage space, so the change was not saved.',
      });
      // `select 1` still works on a full disk: readiness has to remember the refused write.
      const ready = await h.request({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable', reason: 'storage_full' });
      // Reads go on.
      expect((await h.request({ url: '/api/tokens', session })).statusCode).toBe(200);
    } finally {
      await sql`drop trigger pretend_disk_full on tokens`.execute(db);
      await sql`drop function pretend_disk_full()`.execute(db);
    }
    await h.generate(session, { name: 'Room again' });
    expect((await h.request({ url: '/readyz' })).json()).toEqual({ status: 'ok' });
  });
});
