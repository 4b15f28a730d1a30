import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { setupHarness } from '../support/harness.ts';
import { bucketsOf, parseMetrics, sampleValue } from '../support/prometheus.ts';

// Issue #29 item 1, in the app: what /metrics shows of requests, the database, the last-used flush and
// jobs; and a /metrics that requires its bearer. Scraping under load, on a port of its own: metrics-load.
const TOKEN = 'metrics-token-0123456789abcdef';
const h = setupHarness({ env: { TESSERA_METRICS_TOKEN: TOKEN } });
const scrape = async () => {
  const response = await h.request({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.statusCode).toBe(200);
  return parseMetrics(response.body);
};
const REQUESTS = 'tessera_http_request_duration_seconds';

describe('/metrics with TESSERA_METRICS_TOKEN', () => {
  it('refuses a scrape without the bearer, or with another one, with 401', async () => {
    const session = await h.session('admin');
    const { secret } = await h.generate(session, { name: 'Not the metrics token' });
    for (const headers of [
      {} as Record<string, string>,
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: TOKEN },
      { authorization: `Bearer ${secret}` },
    ]) {
      const response = await h.request({ url: '/metrics', headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(401);
      expect(response.json().code).toBe('authentication_required');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="tessera-metrics"');
      expect(response.body).not.toContain('tessera_');
    }
    // A session does not open it either: the metrics token is the only key.
    expect((await h.request({ url: '/metrics', session })).statusCode).toBe(401);
    expect(
      (await h.request({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode,
    ).toBe(200);
  });
});

describe('what /metrics shows', () => {
  it('times each request by route pattern, method and status class', async () => {
    const session = await h.session('member');
    const { secret, token } = await h.generate(session, { name: 'Timed' });
    const before = await scrape();
    const me = { route: '/api/me', method: 'GET', status_class: '2xx' };
    const one = { route: '/api/tokens/:id', method: 'GET', status_class: '2xx' };
    const missing = { route: '/api/tokens/:id', method: 'GET', status_class: '4xx' };
    for (let i = 0; i < 25; i++) await h.request({ url: '/api/me', token: secret });
    await h.request({ url: `/api/tokens/${token.id}`, token: secret });
    await h.request({ url: '/api/tokens/00000000-0000-4000-8000-000000000000', token: secret });
    await h.request({ url: '/api/no/such/route' });
    const after = await scrape();
    const count = (labels: Record<string, string>) =>
      sampleValue(after, `${REQUESTS}_count`, labels) - sampleValue(before, `${REQUESTS}_count`, labels);
    expect(count(me)).toBe(25);
    expect(count(one)).toBe(1);
    expect(count(missing)).toBe(1);
    expect(count({ route: 'unmatched', status_class: '4xx' })).toBe(1);
    // The raw URL never becomes a label: its values are unbounded (and may hold a secret).
    expect(after.some((s) => s.labels.route?.includes(token.id))).toBe(false);
    // Buckets are cumulative, end with +Inf equal to the count, and start below a millisecond.
    const buckets = bucketsOf(after, REQUESTS, me);
    expect(buckets[0]!.le).toBeLessThanOrEqual(0.0001);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.count).toBeGreaterThanOrEqual(buckets[i - 1]!.count);
    expect(buckets.at(-1)).toEqual({ le: Infinity, count: sampleValue(after, `${REQUESTS}_count`, me) });
    expect(sampleValue(after, `${REQUESTS}_sum`, me)).toBeGreaterThan(0);
  });

  it('shows verification outcomes, cache results, statements, the pool, and last-used flushes', async () => {
    const session = await h.session('member');
    const { secret } = await h.generate(session, { name: 'Counted' });
    const before = await scrape();
    await h.request({ url: '/api/me', token: secret });
    await h.request({ url: '/api/me', token: secret });
    await h.request({ url: '/api/me', token: `${secret.slice(0, -1)}x` });
    await h.services.lastUsed.flush();
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('tessera_authentications_total', { result: 'success' })).toBe(2);
    expect(delta('tessera_authentications_total', { result: 'token_malformed' })).toBe(1);
    expect(delta('tessera_auth_cache_total', { result: 'miss' })).toBe(1);
    expect(delta('tessera_auth_cache_total', { result: 'hit' })).toBe(1);
    expect(delta('tessera_db_query_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(delta('tessera_last_used_flush_duration_seconds_count')).toBe(1);
    expect(delta('tessera_last_used_flushes_total')).toBe(1);
    expect(sampleValue(after, 'tessera_db_pool_connections', { state: 'max' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'tessera_db_pool_connections', { state: 'in_use' })).toBeGreaterThanOrEqual(0);
    expect(after.some((s) => s.name === 'tessera_db_pool_waiting')).toBe(true);
  });

  it('counts and times background job runs, failures apart', async () => {
    const { metrics } = h.services;
    const before = metrics.jobRuns.get({ name: 'test job', result: 'failure' });
    await metrics.timeJob('test job', async () => {});
    await expect(
      metrics.timeJob('test job', async () => {
        throw new Error('failed on purpose');
      }),
    ).rejects.toThrow('failed on purpose');
    const after = await scrape();
    expect(sampleValue(after, 'tessera_job_runs_total', { name: 'test job', result: 'success' })).toBe(1);
    expect(metrics.jobRuns.get({ name: 'test job', result: 'failure' })).toBe(before + 1);
    expect(sampleValue(after, 'tessera_job_duration_seconds_count', { name: 'test job' })).toBe(2);
  });
});

describe('the Grafana dashboard (docs/grafana/tessera-dashboard.json)', () => {
  it('is valid JSON whose every query names metrics that /metrics serves', async () => {
    const session = await h.session('member');
    const { secret } = await h.generate(session, { name: 'Dashboard' });
    await h.request({ url: '/api/me', token: secret });
    await h.services.lastUsed.flush();
    await h.services.metrics.timeJob('dashboard test', async () => {});
    const served = new Set((await scrape()).map((s) => s.name));
    const text = readFileSync(
      resolve(import.meta.dirname, '../../docs/grafana/tessera-dashboard.json'),
      'utf8',
    );
    const dashboard = JSON.parse(text) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = expr.match(/\b(?:tessera|process)_[a-z_]+/g) ?? [];
        expect(names.length, expr).toBeGreaterThan(0);
        for (const name of names) expect(served, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });
});

describe('the metrics settings', () => {
  it('names each setting that is refused', () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refused({ TESSERA_METRICS_TOKEN: 'short' })).toContain(
      'TESSERA_METRICS_TOKEN: must be at least 16',
    );
    expect(refused({ TESSERA_METRICS_TOKEN: 'has a space in it, sixteen+' })).toContain(
      'TESSERA_METRICS_TOKEN: must be visible ASCII',
    );
    expect(refused({ TESSERA_METRICS_PORT: '70000' })).toContain('TESSERA_METRICS_PORT');
    expect(refused({ TESSERA_METRICS_PORT: '8080' })).toContain(
      'TESSERA_METRICS_PORT: must differ from PORT',
    );
    expect(refused({ TESSERA_METRICS_HOST: '0.0.0.0' })).toContain(
      'TESSERA_METRICS_PORT: required with TESSERA_METRICS_HOST',
    );
    expect(loadConfig({}).metrics).toEqual({ port: undefined, host: '127.0.0.1', token: undefined });
    expect(loadConfig({ TESSERA_METRICS_PORT: '9464', TESSERA_METRICS_TOKEN: '' }).metrics).toEqual({
      port: 9464,
      host: '127.0.0.1',
      token: undefined,
    });
  });
});
