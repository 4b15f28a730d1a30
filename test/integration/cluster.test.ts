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

  it('a thousand uses on each node add two thousand, each node flushing at most once a second', async () => {
    const { secret, token } = (await post('/api/tokens', {
      name: 'Counted twice',
      kind: 'personal',
      expires_in_days: 30,
    })) as { secret: string; token: { id: string } };
    const flushes = async (node: TesseraProcess) => {
      const text = await (await fetch(`${node.url}/metrics`)).text();
      return Number(/^tessera_last_used_flushes_total (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await Promise.all([flushes(a), flushes(b)]);
    const started = performance.now();
    await Promise.all(
      [a, b].map(async (node) => {
        for (let i = 0; i < 1000; i++) expect((await call(node, '/auth/check', secret)).status).toBe(200);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const seconds = (performance.now() - started) / 1000;
    const after = await Promise.all([flushes(a), flushes(b)]);
    for (const i of [0, 1]) expect(after[i]! - before[i]!).toBeLessThanOrEqual(Math.ceil(seconds));
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const usage = (await (
      await fetch(`${a.url}/api/tokens/${token.id}/usage?to=${to}`, { headers: admin.headers })
    ).json()) as { points: { uses: number }[] };
    expect(usage.points.reduce((sum, p) => sum + p.uses, 0)).toBe(2000);
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

  it('a person deactivated through SCIM on one node: their token answers owner_deactivated on both at once', async () => {
    const svc = await post('/api/service-users', { name: 'Cluster SCIM' });
    const { secret: scim } = (await post('/api/tokens', {
      name: 'SCIM',
      kind: 'service',
      service_user_id: svc.id,
      expires_in_days: 30,
      scopes: ['scim'],
    })) as { secret: string };
    const scimCall = (node: TesseraProcess, method: string, path: string, body: unknown) =>
      fetch(`${node.url}/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${scim}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(body),
      });
    const person = (await post('/api/users', {
      email: 'leaver@example.com',
      name: 'Leaver',
      password: PASSWORD,
    })) as { account: { id: string } };
    const session = await signInOver(b.url, 'leaver@example.com', PASSWORD);
    const created = await fetch(`${b.url}/api/tokens`, {
      method: 'POST',
      headers: session.headers,
      body: JSON.stringify({ name: 'Laptop', kind: 'personal', expires_in_days: 30 }),
    });
    const { secret } = (await created.json()) as { secret: string };
    // Both nodes have it cached.
    for (const node of [a, b, a, b]) expect((await call(node, '/api/me', secret)).status).toBe(200);

    const deactivated = await scimCall(a, 'PATCH', `/Users/${person.account.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(deactivated.status, await deactivated.clone().text()).toBe(200);
    // The PATCH answered on node A; the very next request, on either node, is refused.
    for (const node of [b, a]) {
      const refused = await call(node, '/api/me', secret);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe('owner_deactivated');
    }
    expect((await fetch(`${b.url}/api/me`, { headers: session.headers })).status).toBe(401);

    // A team renamed through SCIM on node B is what node A's forward auth says next.
    const team = (await (
      await scimCall(b, 'POST', '/Groups', { displayName: 'Cluster team', members: [] })
    ).json()) as { id: string };
    const { account } = (await post('/api/users', { email: 'stayer@example.com', password: PASSWORD })) as {
      account: { id: string };
    };
    await scimCall(b, 'PATCH', `/Groups/${team.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: account.id }] }],
    });
    const stayer = await signInOver(a.url, 'stayer@example.com', PASSWORD);
    const made = await fetch(`${a.url}/api/tokens`, {
      method: 'POST',
      headers: stayer.headers,
      body: JSON.stringify({ name: 'Laptop', kind: 'personal', expires_in_days: 30 }),
    });
    const stayerSecret = ((await made.json()) as { secret: string }).secret;
    for (const node of [a, b]) {
      expect((await call(node, '/auth/check', stayerSecret)).headers.get('x-tessera-teams')).toBe(
        'Cluster team,Public',
      );
    }
    await scimCall(b, 'PATCH', `/Groups/${team.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Renamed team' }],
    });
    for (const node of [a, b]) {
      expect((await call(node, '/auth/check', stayerSecret)).headers.get('x-tessera-teams')).toBe(
        'Public,Renamed team',
      );
    }
  });

  it('a rotated token works on both nodes one second before its grace period ends and is revoked on both one second after', async () => {
    const { secret, token } = (await post('/api/tokens', {
      name: 'Rotated in the cluster',
      kind: 'personal',
      expires_in_days: 30,
    })) as { secret: string; token: { id: string } };
    // Both nodes have it cached before the rotation; the rotation is made through node A.
    for (const node of [a, b, a, b]) expect((await call(node, '/auth/check', secret)).status).toBe(200);
    const rotated = (await post(`/api/tokens/${token.id}/rotate`, { grace_period_minutes: 1 })) as {
      secret: string;
    };
    const old = (await (
      await fetch(`${a.url}/api/tokens/${token.id}`, { headers: admin.headers })
    ).json()) as {
      revoked_at: string;
    };
    // The grace period is whole minutes; these processes run on the real clock, so this test waits one.
    const stopsAt = Date.parse(old.revoked_at);
    const waitUntil = (at: number) =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

    await waitUntil(stopsAt - 1000);
    const before = await Promise.all([call(a, '/auth/check', secret), call(b, '/auth/check', secret)]);
    expect(Date.now()).toBeLessThan(stopsAt);
    expect(before.map((r) => r.status)).toEqual([200, 200]);

    await waitUntil(stopsAt + 1000);
    const after = await Promise.all([call(a, '/auth/check', secret), call(b, '/auth/check', secret)]);
    expect(after.map((r) => r.status)).toEqual([401, 401]);
    for (const response of after)
      expect(((await response.json()) as { code: string }).code).toBe('token_revoked');
    for (const node of [a, b]) expect((await call(node, '/auth/check', rotated.secret)).status).toBe(200);
  }, 120_000);
  it('a scope taken away (raised minimum role, deletion) is obeyed on the very next request on both nodes', async () => {
    await post('/api/scopes', { name: 'reports:read', description: 'Read reports', min_role: 'member' });
    await post('/api/users', {
      email: 'scoped@example.com',
      name: 'Scoped',
      password: PASSWORD,
      role: 'member',
    });
    const session = await signInOver(b.url, 'scoped@example.com', PASSWORD);
    const created = await fetch(`${b.url}/api/tokens`, {
      method: 'POST',
      headers: session.headers,
      body: JSON.stringify({
        name: 'Reports',
        kind: 'personal',
        expires_in_days: 30,
        scopes: ['reports:read'],
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    const path = '/auth/check?scope=reports:read';
    // Both nodes have it cached.
    for (const node of [a, b, a, b]) expect((await call(node, path, secret)).status).toBe(200);

    await post('/api/scopes/reports:read', { min_role: 'manager' }, 'PATCH');
    for (const node of [b, a]) {
      const refused = await call(node, path, secret);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toContain('scope="reports:read"');
    }

    await post('/api/scopes/reports:read', { min_role: 'member' }, 'PATCH');
    for (const node of [b, a, b, a]) expect((await call(node, path, secret)).status).toBe(200);
    await post('/api/scopes/reports:read', {}, 'DELETE');
    for (const node of [b, a]) expect((await call(node, path, secret)).status).toBe(403);
  });
});
