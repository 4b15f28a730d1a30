import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// Issue #29 item 2: a real server with OTEL_EXPORTER_OTLP_ENDPOINT set sends its spans, by OTLP over HTTP,
// to a receiver this test runs (a plain HTTP server reading the JSON the exporter posts).
const PASSWORD = 'tracing-admin-password';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let dataDir: string;
let database: TestDatabase | undefined;
let receiver: Server;
let server: TesseraProcess;
const bodies: string[] = [];
const spans: OtlpSpan[] = [];
const resources: string[] = [];
/** The `traceparent` of every webhook delivery the receiver got. */
const hookTraceparents: string[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.url === '/hook') hookTraceparents.push(String(request.headers.traceparent));
      bodies.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      if (request.url === '/v1/traces' && request.headers['content-type']?.startsWith('application/json')) {
        const message = JSON.parse(body) as {
          resourceSpans: { resource: unknown; scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const resourceSpans of message.resourceSpans) {
          resources.push(JSON.stringify(resourceSpans.resource));
          for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-tracing-'));
  const env: Record<string, string> = {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_DEMO: '0',
    TESSERA_ADMIN_EMAIL: 'admin@example.com',
    TESSERA_ADMIN_PASSWORD: PASSWORD,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_SERVICE_NAME: 'tessera-under-test',
    // The webhook receiver is this test's server on loopback.
    TESSERA_WEBHOOK_ALLOW_PRIVATE: '1',
  };
  if (testEngine() === 'postgres') {
    database = await createTestDatabase();
    await database.handle.close();
    env.DATABASE_URL = database.url!;
  }
  // A first start on a loaded machine (other test files starting servers too) can take a while.
  server = await startTessera(env, 150_000);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((done) => receiver?.close(done));
  rmSync(dataDir, { recursive: true, force: true });
  await database?.dispose().catch(() => {});
});

const receiverUrl = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

async function waitFor(found: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!found()) {
    if (Date.now() > deadline) throw new Error(`no ${what} after 20 s; received: ${bodies.join('; ')}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('OpenTelemetry traces over OTLP/HTTP', { timeout: 120_000 }, () => {
  it('sends a span per request, with authentication, cache and database spans inside it', async () => {
    const session = await signInOver(server.url, 'admin@example.com', PASSWORD);
    const created = await fetch(`${server.url}/api/tokens`, {
      method: 'POST',
      headers: session.headers,
      body: JSON.stringify({ name: 'Traced', kind: 'personal', expires_in_days: 30 }),
    });
    const { secret } = (await created.json()) as { secret: string };
    // A caller's trace context is continued: the request span is a child of the caller's span.
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const first = await fetch(`${server.url}/api/tokens?kind=personal`, {
      headers: { authorization: `Bearer ${secret}`, traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
    });
    expect(first.status).toBe(200);
    const second = await fetch(`${server.url}/auth/check`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(second.status).toBe(200);

    await waitFor(() => spans.some((s) => s.name === 'GET /auth/check'), 'span for /auth/check');
    const list = spans.find((s) => s.name === 'GET /api/tokens')!;
    expect(list.traceId).toBe(callerTrace);
    expect(list.parentSpanId).toBe('00f067aa0ba902b7');
    expect(attribute(list, 'http.route')).toBe('/api/tokens');
    expect(Number(attribute(list, 'http.response.status_code'))).toBe(200);
    const inside = (parent: OtlpSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);
    // First use of the token: a cache miss, then the lookup, inside the authentication span.
    const authentication = inside(list).find((s) => s.name === 'tessera.authenticate')!;
    expect(authentication, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
    expect(attribute(authentication, 'tessera.auth.result')).toBe('success');
    const cache = inside(authentication).find((s) => s.name === 'tessera.verification_cache')!;
    expect(attribute(cache, 'tessera.cache.result')).toBe('miss');
    const lookup = inside(authentication).find((s) => s.name === 'db query')!;
    expect(String(attribute(lookup, 'db.query.text'))).toContain('from "tokens"');
    // The route's own query is a child of the request span.
    expect(inside(list).some((s) => s.name === 'db query')).toBe(true);
    // Second use: the cache knows it, and nothing goes to the database.
    const check = spans.find((s) => s.name === 'GET /auth/check')!;
    const checkAuthentication = inside(check).find((s) => s.name === 'tessera.authenticate')!;
    const hit = inside(checkAuthentication).find((s) => s.name === 'tessera.verification_cache')!;
    expect(attribute(hit, 'tessera.cache.result')).toBe('hit');
    expect(inside(checkAuthentication).some((s) => s.name === 'db query')).toBe(false);

    expect(resources.some((r) => r.includes('tessera-under-test'))).toBe(true);
    // No secret, and no session cookie, in anything sent.
    const everything = JSON.stringify(spans);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(session.headers.cookie.split('=')[1]!);
  });

  it('traces each webhook delivery and passes its trace on to the receiver', async () => {
    const session = await signInOver(server.url, 'admin@example.com', PASSWORD);
    const hook = await fetch(`${server.url}/api/webhooks`, {
      method: 'POST',
      headers: session.headers,
      body: JSON.stringify({ url: `${receiverUrl()}/hook`, events: ['token.created'] }),
    });
    expect(hook.status).toBe(201);
    const created = await fetch(`${server.url}/api/tokens`, {
      method: 'POST',
      headers: session.headers,
      body: JSON.stringify({ name: 'Announced', kind: 'personal', expires_in_days: 30 }),
    });
    expect(created.status).toBe(201);

    await waitFor(() => spans.some((s) => s.name === 'webhook delivery'), 'span for the webhook delivery');
    const delivery = spans.find((s) => s.name === 'webhook delivery')!;
    expect(attribute(delivery, 'server.address')).toBe('127.0.0.1');
    expect(Number(attribute(delivery, 'http.response.status_code'))).toBe(200);
    // The receiver got the delivery's trace: its spans can join it.
    expect(hookTraceparents.some((t) => t.startsWith(`00-${delivery.traceId}-${delivery.spanId}-`))).toBe(
      true,
    );
  });
});
