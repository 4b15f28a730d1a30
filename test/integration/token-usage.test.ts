import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/expiration.ts';
import { SECOND } from '../support/clock.ts';
import { setupHarness } from '../support/harness.ts';

const h = setupHarness();
const START_PLUS = (ms: number) => Date.parse('2026-11-22T12:00:00.000Z') + ms;

const usage = (session: Parameters<typeof h.request>[0]['session'], id: string, query = '') =>
  h.request({ url: `/api/tokens/${id}/usage${query}`, session });

describe('usage counts', () => {
  it('a thousand uses add a thousand to the hour, in one flush and no write per request', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Busy' });
    const flushes = h.services.metrics.lastUsedFlushes.get();
    for (let i = 0; i < 1000; i++) {
      h.clock.advance(10);
      expect((await h.request({ url: '/auth/check', token: secret })).statusCode).toBe(200);
    }
    // Nothing written yet: counting rides on the flush.
    const stored = () =>
      h.database.handle.db.selectFrom('token_usage').selectAll().where('token_id', '=', token.id).execute();
    expect(await stored()).toEqual([]);
    await h.services.lastUsed.flush();
    expect(h.services.metrics.lastUsedFlushes.get()).toBe(flushes + 1);
    const body = (await usage(session, token.id)).json();
    const total = body.points.reduce((sum: number, p: { uses: number }) => sum + p.uses, 0);
    expect(total).toBe(1000);
    expect(body.points.find((p: { start: string }) => p.start === '2026-11-22T12:00:00.000Z').uses).toBe(
      1000,
    );
    // The next thousand add to the same row.
    for (let i = 0; i < 1000; i++) await h.request({ url: '/auth/check', token: secret });
    await h.services.lastUsed.flush();
    expect((await stored()).map((row) => Number(row.uses))).toEqual([2000]);
  });

  it('under the running scheduler, a thousand uses cost at most one flush per second', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Timed' });
    const flushes = h.services.metrics.lastUsedFlushes.get();
    h.services.scheduler.start();
    const started = performance.now();
    try {
      for (let i = 0; i < 1000; i++) {
        expect((await h.request({ url: '/auth/check', token: secret })).statusCode).toBe(200);
      }
      // The next scheduled flush writes what is left.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await h.services.scheduler.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const written = h.services.metrics.lastUsedFlushes.get() - flushes;
    expect(written).toBeGreaterThanOrEqual(1);
    expect(written).toBeLessThanOrEqual(Math.ceil(seconds));
    const rows = await h.database.handle.db
      .selectFrom('token_usage')
      .select('uses')
      .where('token_id', '=', token.id)
      .execute();
    expect(rows.reduce((sum, row) => sum + Number(row.uses), 0)).toBe(1000);
  });

  it('a batch that failed to write is counted once, with the uses that came since', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Retried' });
    for (let i = 0; i < 3; i++)
      await h.request({ url: '/auth/check', token: secret, remoteAddress: '10.0.0.5' });
    const db = h.database.handle.db;
    await db.schema.alterTable('token_usage').renameColumn('uses', 'uses_gone').execute();
    await expect(h.services.lastUsed.flush()).rejects.toThrow();
    await db.schema.alterTable('token_usage').renameColumn('uses_gone', 'uses').execute();
    for (let i = 0; i < 2; i++)
      await h.request({ url: '/auth/check', token: secret, remoteAddress: '10.0.0.5' });
    await h.services.lastUsed.flush();
    const rows = await db.selectFrom('token_usage').select('uses').where('token_id', '=', token.id).execute();
    expect(rows.map((row) => Number(row.uses))).toEqual([5]);
    const { items } = (await h.request({ url: `/api/tokens/${token.id}/origins`, session })).json();
    expect(items.map((o: { uses: number }) => o.uses)).toEqual([5]);
  });

  it('counts each hour apart, and sums hours into UTC days', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Hourly' });
    h.clock.advance(59 * 60 * SECOND);
    await h.request({ url: '/api/me', token: secret });
    h.clock.advance(2 * 60 * SECOND); // 13:01
    await h.request({ url: '/api/me', token: secret });
    await h.request({ url: '/api/me', token: secret });
    await h.services.lastUsed.flush();
    const hours = (
      await usage(session, token.id, '?from=2026-11-22T11:30:00Z&to=2026-11-22T14:00:00Z')
    ).json();
    expect(hours.points).toEqual([
      { start: '2026-11-22T11:00:00.000Z', uses: 0, failures: 0 },
      { start: '2026-11-22T12:00:00.000Z', uses: 1, failures: 0 },
      { start: '2026-11-22T13:00:00.000Z', uses: 2, failures: 0 },
      { start: '2026-11-22T14:00:00.000Z', uses: 0, failures: 0 },
    ]);
    const days = (
      await usage(session, token.id, '?from=2026-11-21T00:00:00Z&to=2026-11-22T23:00:00Z&bucket=day')
    ).json();
    expect(days.points).toEqual([
      { start: '2026-11-21T00:00:00.000Z', uses: 0, failures: 0 },
      { start: '2026-11-22T00:00:00.000Z', uses: 3, failures: 0 },
    ]);
  });

  it('counts refused uses of a revoked or expired token apart, and no uses', async () => {
    const session = await h.session();
    const revoked = await h.generate(session, { name: 'Revoked' });
    const expiring = await h.generate(session, { name: 'Expiring', expires_in_days: 1 });
    await h.request({ url: '/auth/check', token: revoked.secret });
    await h.request({ url: `/api/tokens/${revoked.token.id}/revoke`, session, body: {} });
    for (let i = 0; i < 3; i++)
      expect((await h.request({ url: '/auth/check', token: revoked.secret })).statusCode).toBe(401);
    h.clock.advance(2 * DAY_MS);
    expect((await h.request({ url: '/auth/check', token: expiring.secret })).statusCode).toBe(401);
    // An unknown secret belongs to no token: nothing to count.
    await h.request({ url: '/auth/check', token: `${revoked.secret.slice(0, -8)}AAAAAAAA` });
    await h.services.lastUsed.flush();
    const of = async (id: string) => {
      const body = (await usage(session, id, '?from=2026-11-22T00:00:00Z&to=2026-11-24T13:00:00Z')).json();
      return body.points.reduce(
        (sum: { uses: number; failures: number }, p: { uses: number; failures: number }) => ({
          uses: sum.uses + p.uses,
          failures: sum.failures + p.failures,
        }),
        { uses: 0, failures: 0 },
      );
    };
    expect(await of(revoked.token.id)).toEqual({ uses: 1, failures: 3 });
    expect(await of(expiring.token.id)).toEqual({ uses: 0, failures: 1 });
  });

  it('keeps 90 days: the retention sweep drops older hours and origins', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Old', expires_in_days: 365 });
    await h.request({ url: '/auth/check', token: secret, remoteAddress: '10.0.0.1' });
    await h.services.lastUsed.flush();
    h.clock.advance(89 * DAY_MS);
    await h.request({ url: '/auth/check', token: secret, remoteAddress: '10.0.0.2' });
    await h.services.lastUsed.flush();
    const rows = () =>
      h.database.handle.db
        .selectFrom('token_usage')
        .select('hour')
        .where('token_id', '=', token.id)
        .orderBy('hour')
        .execute();
    await h.services.tokenUsage.sweep();
    expect(await rows()).toHaveLength(2);
    h.clock.advance(2 * DAY_MS);
    await h.services.tokenUsage.sweep();
    expect((await rows()).map((r) => r.hour)).toEqual([new Date(START_PLUS(89 * DAY_MS))]);
    const origins = (await h.request({ url: `/api/tokens/${token.id}/origins`, session })).json();
    expect(origins.items.map((o: { ip: string }) => o.ip)).toEqual(['10.0.0.2']);
  });
});

describe('origins', () => {
  it('keeps each (address, user agent) with first seen, last seen and count, newest first', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Travelling' });
    const use = (ip: string, ua?: string) =>
      h.request({
        url: '/auth/check',
        token: secret,
        remoteAddress: ip,
        headers: ua ? { 'user-agent': ua } : {},
      });
    await use('10.0.0.1', 'curl/8.5.0');
    h.clock.advance(SECOND);
    await use('10.0.0.1', 'curl/8.5.0');
    await use('10.0.0.2', 'python-requests/2.32.3');
    await h.services.lastUsed.flush();
    h.clock.advance(SECOND);
    await use('10.0.0.1', 'curl/8.5.0');
    await h.services.lastUsed.flush();
    const { items } = (await h.request({ url: `/api/tokens/${token.id}/origins`, session })).json();
    expect(items).toEqual([
      {
        ip: '10.0.0.1',
        user_agent: 'curl/8.5.0',
        first_seen_at: '2026-11-22T12:00:00.000Z',
        last_seen_at: '2026-11-22T12:00:02.000Z',
        uses: 3,
      },
      {
        ip: '10.0.0.2',
        user_agent: 'python-requests/2.32.3',
        first_seen_at: '2026-11-22T12:00:01.000Z',
        last_seen_at: '2026-11-22T12:00:01.000Z',
        uses: 1,
      },
    ]);
  });

  it('keeps the newest 20', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Everywhere' });
    for (let i = 1; i <= 25; i++) {
      h.clock.advance(SECOND);
      await h.request({ url: '/auth/check', token: secret, remoteAddress: `10.0.1.${i}` });
      if (i % 10 === 0) await h.services.lastUsed.flush();
    }
    await h.services.lastUsed.flush();
    const stored = await h.database.handle.db
      .selectFrom('token_origins')
      .select('ip')
      .where('token_id', '=', token.id)
      .execute();
    expect(stored).toHaveLength(20);
    const { items } = (await h.request({ url: `/api/tokens/${token.id}/origins`, session })).json();
    expect(items.map((o: { ip: string }) => o.ip)).toEqual(
      Array.from({ length: 20 }, (_, i) => `10.0.1.${25 - i}`),
    );
  });

  it('holds the address last_used_ip holds (behind a trusted proxy, the forwarded one)', async () => {
    // The address is the one last_used_ip holds: request.ip as TESSERA_TRUST_PROXY makes it.
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Behind nginx' });
    await h.request({ url: '/auth/check', token: secret, remoteAddress: '192.0.2.7' });
    await h.services.lastUsed.flush();
    const [row] = await h.database.handle.db
      .selectFrom('tokens')
      .select('last_used_ip')
      .where('id', '=', token.id)
      .execute();
    const { items } = (await h.request({ url: `/api/tokens/${token.id}/origins`, session })).json();
    expect(items[0].ip).toBe(row!.last_used_ip);
  });
});

describe('who may see them, and bad input', () => {
  it("someone else's personal token is 404, a service token 403 for non-Admins", async () => {
    const owner = await h.session();
    const other = await h.session();
    const { token } = await h.generate(owner, { name: 'Mine' });
    for (const path of ['usage', 'origins']) {
      expect((await h.request({ url: `/api/tokens/${token.id}/${path}`, session: owner })).statusCode).toBe(
        200,
      );
      expect((await h.request({ url: `/api/tokens/${token.id}/${path}`, session: other })).statusCode).toBe(
        404,
      );
    }
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    const service = await h.generate(admin, { name: 's', kind: 'service', service_user_id: svc.id });
    for (const path of ['usage', 'origins']) {
      const url = `/api/tokens/${service.token.id}/${path}`;
      expect((await h.request({ url, session: admin })).statusCode).toBe(200);
      expect((await h.request({ url, session: owner })).statusCode).toBe(403);
    }
  });

  it.each([
    ['?from=2026-11-22T12:00:00Z&to=2026-11-22T11:00:00Z', 'from'],
    ['?from=2026-08-01T00:00:00Z&to=2026-11-22T00:00:00Z', 'from'],
    ['?bucket=week', 'bucket'],
    ['?from=yesterday', 'from'],
    ['?to=2026-13-01T00:00:00Z', 'to'],
  ])('usage%s is 400 naming %s', async (query, field) => {
    const session = await h.session();
    const { token } = await h.generate(session, { name: 'Checked' });
    const response = await usage(session, token.id, query);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_request', details: { field } });
  });

  it('a bad id is 400 naming id', async () => {
    const session = await h.session();
    for (const path of ['usage', 'origins']) {
      const response = await h.request({ url: `/api/tokens/not-a-uuid/${path}`, session });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'invalid_request', details: { field: 'id' } });
    }
  });
});
