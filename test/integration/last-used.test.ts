import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { writeLastUses } from '../../src/tokens/queries.ts';
import { SECOND } from '../support/clock.ts';
import { setupHarness } from '../support/harness.ts';

const h = setupHarness();

describe('last used', () => {
  it('records time, address and user agent of each successful authentication', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Script' });
    h.clock.advance(5 * SECOND);
    await h.request({ url: '/api/me', token: secret, headers: { 'user-agent': 'python-requests/2.32.3' } });
    // Shown at once on this node, before any write.
    const shown = (await h.request({ url: `/api/tokens/${token.id}`, session })).json();
    expect(shown).toMatchObject({
      last_used_at: '2026-11-22T12:00:05.000Z',
      last_used_ip: '127.0.0.1',
      last_used_user_agent: 'python-requests/2.32.3',
    });
    const before = await h.database.handle.db
      .selectFrom('tokens')
      .select('last_used_at')
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(before.last_used_at).toBeNull();
    await h.services.lastUsed.flush();
    const after = await h.database.handle.db
      .selectFrom('tokens')
      .select(['last_used_at', 'last_used_ip', 'last_used_user_agent'])
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({
      last_used_at: new Date('2026-11-22T12:00:05.000Z'),
      last_used_ip: '127.0.0.1',
      last_used_user_agent: 'python-requests/2.32.3',
    });
  });

  it('writes a thousand uses of many tokens in one flush, one statement', async () => {
    const session = await h.session();
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.generate(session, { name: `t${i}` })),
    );
    const flushes = h.services.metrics.lastUsedFlushes.get();
    for (let i = 0; i < 1000; i++) {
      h.clock.advance(10);
      const { secret } = tokens[i % tokens.length]!;
      const response = await h.request({ url: '/auth/check', token: secret });
      expect(response.statusCode).toBe(200);
    }
    expect(h.services.lastUsed.pendingCount).toBe(20);
    await h.services.lastUsed.flush();
    expect(h.services.metrics.lastUsedFlushes.get()).toBe(flushes + 1);
    const last = tokens.at(-1)!.token;
    const row = await h.database.handle.db
      .selectFrom('tokens')
      .select('last_used_at')
      .where('id', '=', last.id)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).toEqual(h.clock.now());
    // An empty flush writes nothing and counts nothing.
    await h.services.lastUsed.flush();
    expect(h.services.metrics.lastUsedFlushes.get()).toBe(flushes + 1);
  });

  it('writes a use made through a cached token after each flush, not into a batch already written', async () => {
    // A cache hit updates the pending entry it holds without a lookup; once that entry has gone to a
    // flush, the next use must start a new one, or it would be lost.
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Busy' });
    const stored = () =>
      h.database.handle.db
        .selectFrom('tokens')
        .select('last_used_at')
        .where('id', '=', token.id)
        .executeTakeFirstOrThrow();
    for (let round = 1; round <= 3; round++) {
      h.clock.advance(SECOND);
      expect((await h.request({ url: '/auth/check', token: secret })).statusCode).toBe(200);
      expect(h.services.lastUsed.pending(token.id)?.at).toBe(h.clock.now().getTime());
      await h.services.lastUsed.flush();
      expect((await stored()).last_used_at, `round ${round}`).toEqual(h.clock.now());
      expect(h.services.lastUsed.pendingCount).toBe(0);
    }
  });

  it('never moves last use backwards when another node wrote a newer one', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Raced' });
    await h.request({ url: '/api/me', token: secret });
    // Another node has already written a later use.
    const later = new Date(h.clock.now().getTime() + 60 * SECOND);
    await h.database.handle.db
      .updateTable('tokens')
      .set({ last_used_at: later, last_used_ip: '10.0.0.9' })
      .where('id', '=', token.id)
      .execute();
    await h.services.lastUsed.flush();
    const row = await h.database.handle.db
      .selectFrom('tokens')
      .select(['last_used_at', 'last_used_ip'])
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ last_used_at: later, last_used_ip: '10.0.0.9' });
  });

  it("moves the owner's last activity, shown on the Users list", async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    const { secret } = await h.generate(admin, { name: 'svc', kind: 'service', service_user_id: svc.id });
    h.clock.advance(SECOND);
    await h.request({ url: '/auth/check', token: secret });
    await h.services.lastUsed.flush();
    const [account] = (await h.request({ url: `/api/users?id=${svc.id}`, session: admin })).json().items;
    expect(account.last_active_at).toBe('2026-11-22T12:00:01.000Z');
  });

  it('updates tokens and owners in place (HOT) while the minute of their last use stays the same', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    const tokens = await Promise.all(
      ['a', 'b', 'c'].map((name) => h.generate(admin, { name, kind: 'service', service_user_id: svc.id })),
    );
    const uses = (at: string) =>
      tokens.map(({ token }) => ({ tokenId: token.id, at: Date.parse(at), ip: '10.0.0.1', userAgent: 'ci' }));
    // PostgreSQL's counters of this backend's updates not yet reported: exact, where the shared ones lag.
    // They may hold earlier transactions' too, so only their growth is compared.
    const counts = (trx: typeof h.database.handle.db) =>
      sql<{ tokens: string; tokens_hot: string; accounts: string; accounts_hot: string }>`
        select pg_stat_get_xact_tuples_updated('tokens'::regclass) as tokens,
               pg_stat_get_xact_tuples_hot_updated('tokens'::regclass) as tokens_hot,
               pg_stat_get_xact_tuples_updated('accounts'::regclass) as accounts,
               pg_stat_get_xact_tuples_hot_updated('accounts'::regclass) as accounts_hot`
        .execute(trx)
        .then(({ rows }) => rows[0]!);
    const grown = async (trx: typeof h.database.handle.db, write: () => Promise<unknown>) => {
      const before = await counts(trx);
      await write();
      const after = await counts(trx);
      return Object.fromEntries(
        Object.entries(after).map(([key, value]) => [
          key,
          Number(value) - Number(before[key as keyof typeof before]),
        ]),
      );
    };
    await h.database.handle.db.transaction().execute(async (trx) => {
      // The first use sets the minute, which the "last used" and "last active" sorts index: not HOT.
      expect(await grown(trx, () => writeLastUses(trx, uses('2026-11-22T12:00:10.000Z')))).toEqual({
        tokens: 3,
        tokens_hot: 0,
        accounts: 1,
        accounts_hot: 0,
      });
      expect(await grown(trx, () => writeLastUses(trx, uses('2026-11-22T12:00:59.999Z')))).toEqual({
        tokens: 3,
        tokens_hot: 3,
        accounts: 1,
        accounts_hot: 1,
      });
      expect(await grown(trx, () => writeLastUses(trx, uses('2026-11-22T12:01:00.000Z')))).toEqual({
        tokens: 3,
        tokens_hot: 0,
        accounts: 1,
        accounts_hot: 0,
      });
    });
  });

  it('keeps the last use of revoked and expired tokens', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Kept', expires_in_days: 1 });
    await h.request({ url: '/api/me', token: secret });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session, body: {} });
    const revoked = (await h.request({ url: `/api/tokens/${token.id}`, session })).json();
    expect(revoked).toMatchObject({ status: 'revoked', last_used_at: '2026-11-22T12:00:00.000Z' });
    h.clock.advance(2 * 24 * 3600 * SECOND);
    await h.services.lastUsed.flush();
    const expired = (await h.request({ url: `/api/tokens/${token.id}`, session })).json();
    expect(expired).toMatchObject({ status: 'expired', last_used_at: '2026-11-22T12:00:00.000Z' });
  });

  it('keeps the first 512 characters of a user agent, the same in every view and in the table', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Long agent' });
    const agent = `agent/${'x'.repeat(600)}`;
    for (let i = 0; i < 2; i++) {
      h.clock.advance(SECOND);
      // Twice: the second request is answered from the verification cache.
      const me = await h.request({ url: '/api/me', token: secret, headers: { 'user-agent': agent } });
      expect(me.json().token.last_used_user_agent).toBe(agent.slice(0, 512));
    }
    const shown = (await h.request({ url: `/api/tokens/${token.id}`, session })).json();
    expect(shown.last_used_user_agent).toBe(agent.slice(0, 512));
    await h.services.lastUsed.flush();
    const row = await h.database.handle.db
      .selectFrom('tokens')
      .select('last_used_user_agent')
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(row.last_used_user_agent).toBe(agent.slice(0, 512));
  });

  it('does not count failed authentications as uses', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Unused' });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session, body: {} });
    await h.request({ url: '/api/me', token: secret });
    await h.services.lastUsed.flush();
    expect((await h.request({ url: `/api/tokens/${token.id}`, session })).json().last_used_at).toBeNull();
  });

  it('puts a failed batch back for the next flush', async () => {
    const session = await h.session();
    const { token, secret } = await h.generate(session, { name: 'Retried' });
    await h.request({ url: '/api/me', token: secret });
    const db = h.database.handle.db;
    await db.schema.alterTable('tokens').renameColumn('last_used_ip', 'last_used_ip_gone').execute();
    await expect(h.services.lastUsed.flush()).rejects.toThrow();
    await db.schema.alterTable('tokens').renameColumn('last_used_ip_gone', 'last_used_ip').execute();
    expect(h.services.lastUsed.pendingCount).toBe(1);
    await h.services.lastUsed.flush();
    const row = await db
      .selectFrom('tokens')
      .select('last_used_at')
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).toEqual(h.clock.now());
  });
});
