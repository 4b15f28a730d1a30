import type { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import { bucketsOf, parseMetrics, quantileBucket, sampleValue } from '../support/prometheus.ts';
import { signInOver, startTessera, type TesseraProcess } from '../support/server-process.ts';

// Issue #29 item 1, as Prometheus sees it: a real server with /metrics on a port of its own behind a
// bearer, scraped before and after 2,000 token requests from autocannon; the p99 the histogram gives lies
// in the same place as the one autocannon measured.
const TOKEN = 'scrape-token-abcdef0123456789';
const PASSWORD = 'metrics-load-admin-password';
const REQUESTS = 2000;

let dataDir: string;
let database: TestDatabase | undefined;
let server: TesseraProcess;
let metricsUrl: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-metrics-'));
  const env: Record<string, string> = {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_DEMO: '0',
    TESSERA_ADMIN_EMAIL: 'admin@example.com',
    TESSERA_ADMIN_PASSWORD: PASSWORD,
    TESSERA_METRICS_PORT: String(await freePort()),
    TESSERA_METRICS_TOKEN: TOKEN,
  };
  if (testEngine() === 'postgres') {
    database = await createTestDatabase();
    await database.handle.close();
    env.DATABASE_URL = database.url!;
  }
  // A first start on a loaded machine (other test files starting servers too) can take a while.
  server = await startTessera(env, 150_000);
  metricsUrl = `http://127.0.0.1:${env.TESSERA_METRICS_PORT}/metrics`;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await database?.dispose().catch(() => {});
});

const scrape = async () => {
  const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return parseMetrics(await response.text());
};

describe('/metrics on TESSERA_METRICS_PORT under load', { timeout: 180_000 }, () => {
  it('is served only there, and only with the bearer', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect(
      (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(404);
    const anonymous = await fetch(metricsUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="tessera-metrics"');
    expect((await fetch(metricsUrl.replace('/metrics', '/api/me'))).status).toBe(404);
  });

  it('stops the start with one line naming TESSERA_METRICS_PORT when that port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const { port } = taken.address() as { port: number };
    try {
      const failure = await startTessera({
        TESSERA_DATA_DIR: join(dataDir, 'other'),
        TESSERA_METRICS_PORT: String(port),
      }).then(
        (started) => started.stop().then(() => 'started'),
        (error: Error) => error.message,
      );
      expect(failure).toContain(`TESSERA_METRICS_PORT: Port ${port} on 127.0.0.1 is already in use`);
      expect(failure).not.toContain('PORT=');
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });

  it('gives a p99 for 2,000 requests in the bucket where autocannon measured it', async () => {
    const session = await signInOver(server.url, 'admin@example.com', PASSWORD);
    const created = await fetch(`${server.url}/api/tokens`, {
      method: 'POST',
      headers: session.headers,
      body: JSON.stringify({ name: 'Load', kind: 'personal', expires_in_days: 30 }),
    });
    const { secret } = (await created.json()) as { secret: string };
    const labels = { route: '/api/me', method: 'GET', status_class: '2xx' };
    const before = await scrape();
    // One connection: each latency autocannon measures is one request's time in the server plus the
    // loopback, with no queue in between that the server cannot see.
    const latencies: number[] = [];
    const run = autocannon({
      url: server.url,
      connections: 1,
      amount: REQUESTS,
      headers: { authorization: `Bearer ${secret}` },
      requests: [{ method: 'GET', path: '/api/me' }],
    }) as ReturnType<typeof autocannon> & EventEmitter;
    // autocannon's own percentiles are whole milliseconds; its per-response times are not.
    run.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) =>
      latencies.push(ms / 1000),
    );
    const result = await run;
    expect(result.non2xx).toBe(0);
    expect(latencies).toHaveLength(REQUESTS);
    const after = await scrape();
    const p99 = quantileBucket(
      bucketsOf(before, 'tessera_http_request_duration_seconds', labels),
      bucketsOf(after, 'tessera_http_request_duration_seconds', labels),
      0.99,
    );
    expect(p99.total).toBe(REQUESTS);
    latencies.sort((a, b) => a - b);
    const measured = latencies[Math.ceil(0.99 * REQUESTS) - 1]!;
    // The server's time is inside the client's: its p99 cannot lie above what autocannon measured.
    expect(p99.lower).toBeLessThanOrEqual(measured);
    // And the client adds only the loopback and HTTP parsing to it: well under 10 ms even on a busy machine.
    expect(measured).toBeLessThanOrEqual(p99.upper + 0.01);
    console.log(
      `p99: histogram (${p99.lower * 1000}, ${p99.upper * 1000}] ms; autocannon ${(measured * 1000).toFixed(3)} ms, p50 ${(latencies[REQUESTS / 2]! * 1000).toFixed(3)} ms`,
    );
    // The requests were verified from the cache, and the last uses written by the flush job.
    expect(
      sampleValue(after, 'tessera_auth_cache_total', { result: 'hit' }) -
        sampleValue(before, 'tessera_auth_cache_total', { result: 'hit' }),
    ).toBeGreaterThanOrEqual(REQUESTS - 1);
    await new Promise((done) => setTimeout(done, 1500));
    const later = await scrape();
    expect(
      sampleValue(later, 'tessera_job_runs_total', { name: 'last-used flush', result: 'success' }),
    ).toBeGreaterThan(0);
    expect(sampleValue(later, 'tessera_last_used_flush_duration_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(later, 'tessera_db_query_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThan(
      0,
    );
  });
});
