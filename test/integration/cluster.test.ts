import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// Two Tessera processes on one PostgreSQL, each with its own verification cache: a change made through
// one is obeyed by the other through LISTEN/NOTIFY. PostgreSQL only: the embedded database is one
// process's.

const PASSWORD = 'cluster password 1234';
let database: TestDatabase;
let a: TesseraProcess;
let b: TesseraProcess;
let admin: { headers: Record<string, string> };

const postgres = testEngine() === 'postgres';

beforeAll(async () => {
  if (!postgres) return;
  database = await createTestDatabase();
  await database.handle.close();
  const env = {
    DATABASE_URL: database.url!,
    TESSERA_ADMIN_EMAIL: 'admin@example.com',
    TESSERA_ADMIN_PASSWORD: PASSWORD,
  };
  // One after the other: the first start creates the Admin.
  a = await startTessera(env);
  b = await startTessera(env);
  admin = await signInOver(a.url, 'admin@example.com', PASSWORD);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.dispose().catch(() => {});
});

async function call(node: TesseraProcess, path: string, secret: string): Promise<Response> {
  return fetch(`${node.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
}

async function post(path: string, body: unknown, method = 'POST') {
  const response = await fetch(`${a.url}${path}`, {
    method,
    headers: admin.headers,
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return response.json() as Promise<Record<string, unknown>>;
}

describe.skipIf(!postgres)('two nodes on one PostgreSQL', () => {
  it('a token revoked on one node gets 401 on the other within a second', async () => {
    const { secret, token } = (await post('/api/tokens', {
      name: 'Cluster',
      kind: 'personal',
      expires_in_days: 30,
    })) as { secret: string; token: { id: string } };
    // Both nodes have it cached.
    for (const node of [a, b, a, b]) expect((await call(node, '/auth/check', secret)).status).toBe(200);
    await post(`/api/tokens/${token.id}/revoke`, {});
    const revokedAt = performance.now();
    let first = await call(b, '/auth/check', secret);
    while (first.status === 200 && performance.now() - revokedAt < 1000) {
      first = await call(b, '/auth/check', secret);
    }
    const elapsed = performance.now() - revokedAt;
    expect(first.status).toBe(401);
    expect(((await first.json()) as { code: string }).code).toBe('token_revoked');
    expect(elapsed).toBeLessThan(1000);
    expect((await call(a, '/auth/check', secret)).status).toBe(401);
  });

  it('a role change is obeyed on the very next request on both nodes', async () => {
    const person = (await post('/api/users', {
      email: 'member@example.com',
      name: 'Member',
      password: PASSWORD,
      role: 'member',
    })) as { account: { id: string } };
    const session = await signInOver(b.url, 'member@example.com', PASSWORD);
    const created = await fetch(`${b.url}/api/tokens`, {
      method: 'POST',
      headers: session.headers,
      body: JSON.stringify({ name: 'Mine', kind: 'personal', expires_in_days: 30 }),
    });
    const { secret } = (await created.json()) as { secret: string };
    for (const node of [a, b, a, b]) expect((await call(node, '/api/users', secret)).status).toBe(403);

    await post(`/api/users/${person.account.id}`, { role: 'manager' }, 'PATCH');
    // The PATCH answered on node A; the very next request, on either node, sees the new role.
    expect((await call(b, '/api/users', secret)).status).toBe(200);
    expect((await call(a, '/api/users', secret)).status).toBe(200);
    expect((await call(b, '/auth/check', secret)).headers.get('x-tessera-role')).toBe('manager');

    await post(`/api/users/${person.account.id}`, { role: 'member' }, 'PATCH');
    expect((await call(b, '/api/users', secret)).status).toBe(403);
    expect((await call(a, '/api/users', secret)).status).toBe(403);
  });
});
