import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// The request sequences Okta and Microsoft Entra ID send, as their SCIM guides document them, bodies
// included (test/fixtures/scim/*.json, each naming its sources), replayed against a real `tessera`
// process started as a user starts it: on the embedded database (with its demo workspace, as a fresh
// start has it) and on PostgreSQL. The SCIM token is made as docs/SCIM.md says: a service user, and a
// SCIM-only service token of it.

interface Step {
  name: string;
  request: { method: string; path: string; body?: unknown };
  response: { status: number; body?: unknown; absent?: string[] };
  save?: Record<string, string>;
}

interface Replay {
  provider: string;
  sources: string[];
  headers: Record<string, string>;
  steps: Step[];
}

const FIXTURES = join(import.meta.dirname, '../fixtures/scim');
const replays = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => [name, JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Replay] as const);

const PASSWORD = 'replay password 1234';
let dataDir: string;
let database: TestDatabase | undefined;
let server: TesseraProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-scim-replay-'));
  const env: Record<string, string> = {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_ADMIN_EMAIL: 'admin@example.com',
    TESSERA_ADMIN_PASSWORD: PASSWORD,
  };
  if (testEngine() === 'postgres') {
    database = await createTestDatabase();
    await database.handle.close();
    env.DATABASE_URL = database.url!;
  }
  server = await startTessera(env);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await database?.dispose().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

/** An Admin makes the identity provider's credential, as docs/SCIM.md tells them to. */
async function scimToken(provider: string): Promise<string> {
  const admin = await signInOver(server.url, 'admin@example.com', PASSWORD);
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: admin.headers,
      body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const serviceUser = await post('/api/service-users', { name: `${provider} SCIM` });
  const { secret } = await post('/api/tokens', {
    name: 'SCIM provisioning',
    kind: 'service',
    service_user_id: serviceUser.id,
    expires_in_days: null,
    scopes: ['scim'],
  });
  return secret as string;
}

const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`{{${name}}} has no value yet`);
    return values[name]!;
  });

/** The path with each query value percent-encoded, as a client sends `filter=userName eq "…"`. */
function encodePath(path: string): string {
  const [route, query] = path.split('?') as [string, string | undefined];
  if (!query) return route;
  const pairs = query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    return `${pair.slice(0, equals)}=${encodeURIComponent(pair.slice(equals + 1))}`;
  });
  return `${route}?${pairs.join('&')}`;
}

const withValues = (value: unknown, values: Record<string, string>): unknown =>
  JSON.parse(fill(JSON.stringify(value), values));

/**
 * An expected body as a matcher: what it says must be there; a `schemas` list must be among the
 * answer's (which also names Tessera's extension, as RFC 7643 has it list every schema present).
 */
function matcher(value: unknown, key?: string): unknown {
  if (Array.isArray(value))
    return key === 'schemas' ? expect.arrayContaining(value) : value.map((v) => matcher(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, matcher(v, k)]));
  }
  return value;
}

describe.each(replays)('the %s replay', (_file, replay) => {
  it(`passes every documented step of ${replay.provider}'s provisioning`, { timeout: 120_000 }, async () => {
    const secret = await scimToken(replay.provider);
    const values: Record<string, string> = { random: randomUUID() };
    for (const [index, step] of replay.steps.entries()) {
      const label = `${replay.provider} step ${index + 1}: ${step.name}`;
      const body =
        step.request.body === undefined ? undefined : JSON.stringify(withValues(step.request.body, values));
      const response = await fetch(`${server.url}/scim/v2${encodePath(fill(step.request.path, values))}`, {
        method: step.request.method,
        headers: {
          // The provider's content type on every request, a DELETE's too, as clients send it.
          ...replay.headers,
          authorization: `Bearer ${secret}`,
          accept: 'application/scim+json',
        },
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      expect(response.status, `${label}: ${text}`).toBe(step.response.status);
      if (response.status === 204) {
        expect(text, label).toBe('');
        continue;
      }
      expect(response.headers.get('content-type'), label).toBe('application/scim+json; charset=utf-8');
      const json = JSON.parse(text) as Record<string, unknown>;
      if (step.response.body !== undefined)
        expect(json, label).toMatchObject(matcher(withValues(step.response.body, values)) as object);
      for (const name of step.response.absent ?? []) expect(json, label).not.toHaveProperty(name);
      for (const [name, field] of Object.entries(step.save ?? {})) values[name] = String(json[field]);
    }
  });
});
