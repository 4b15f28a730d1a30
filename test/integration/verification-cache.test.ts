import type { KyselyPlugin } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccountView } from '../../src/accounts/views.ts';
import { buildApp } from '../../src/app.ts';
import { Me } from '../../src/auth/me-routes.ts';
import { UNKNOWN, VerificationCache } from '../../src/auth/verification/cache.ts';
import { CacheMisses } from '../../src/auth/verification/misses.ts';
import { lookUpVerifications } from '../../src/auth/verification/queries.ts';
import { CacheRefresher } from '../../src/auth/verification/refresher.ts';
import { loadConfig } from '../../src/config.ts';
import { generateSecret, secretHint } from '../../src/core/secret.ts';
import type { Change } from '../../src/platform/change-feed.ts';
import { ChangeNotifier } from '../../src/platform/change-notifier.ts';
import { sha256Hex } from '../../src/platform/hashing.ts';
import type { App } from '../../src/platform/http/types.ts';
import { createServices, type Services } from '../../src/services.ts';
import { DAY, TestClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';

// The verification cache on one node: a hit costs no query at all, and every change that matters is
// obeyed on the very next request. Statements run are counted by a Kysely plugin on the services'
// database (as results come back: the verification's statement is compiled only once).

const PASSWORD = 'correct horse battery staple';
let database: TestDatabase;
let services: Services;
let app: App;
let queries = 0;
const clock = new TestClock();

const counting: KyselyPlugin = {
  transformQuery(args) {
    return args.node;
  },
  async transformResult(args) {
    queries++;
    return args.result;
  },
};

/** The token row authentication reads, straight from the database. */
const findTokenPrincipal = async (db: TestDatabase['handle']['db'], hash: string) =>
  (await lookUpVerifications(db)([hash])).get(hash);

beforeAll(async () => {
  database = await createTestDatabase();
  services = createServices({
    db: database.handle.db.withPlugin(counting),
    clock,
    lastUsedFlushMs: 1000,
    sessionTtlHours: 24 * 400,
    onBackgroundError: (error) => {
      throw error;
    },
  });
  app = await buildApp({ services, config: loadConfig({ TESSERA_WEB_DIR: 'test/no-console' }) });
});

beforeEach(async () => {
  await services.lastUsed.flush();
  await services.audit.flushFailures();
  await database.reset();
  services.authCache.clear();
  clock.set(new Date('2026-11-22T12:00:00.000Z'));
});

afterAll(async () => {
  await app?.close();
  await services?.lastUsed.flush().catch(() => {});
  await database?.dispose();
});

let counter = 0;
async function person(role: 'admin' | 'manager' | 'member' = 'member'): Promise<AccountView> {
  counter++;
  const { account } = await services.accounts.createHuman(null, {
    email: `cache${counter}@example.com`,
    name: `Cache ${counter}`,
    password: PASSWORD,
    role,
  });
  return account;
}

async function signIn(account: AccountView) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: account.email, password: PASSWORD },
  });
  const cookie = response.cookies.find((c) => c.name === 'tessera_session')!.value;
  return { cookie: `tessera_session=${cookie}`, 'x-csrf-token': response.json().csrf_token as string };
}

async function tokenOf(account: AccountView) {
  const headers = await signIn(account);
  const response = await app.inject({
    method: 'POST',
    url: '/api/tokens',
    headers,
    payload: { name: `t${++counter}`, kind: 'personal', expires_in_days: 30 },
  });
  expect(response.statusCode).toBe(201);
  const body = response.json();
  return { id: body.token.id as string, secret: body.secret as string, headers };
}

const bearer = (secret: string, url = '/auth/check') =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } });

async function asAdmin(method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const admin = await signIn(await person('admin'));
  const response = await app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response;
}

/** Authenticate once so the token is cached, then count the queries of the next request. */
async function warm(secret: string) {
  await bearer(secret);
  queries = 0;
}

describe('the verification cache on one node', () => {
  it('answers GET /auth/check and GET /api/me on a hit without a single query', async () => {
    const { id, secret } = await tokenOf(await person());
    await warm(secret);
    clock.advance(5000);
    const check = await bearer(secret);
    expect(check.statusCode).toBe(200);
    const me = await app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${secret}`, 'user-agent': 'cached/1' },
    });
    expect(me.statusCode).toBe(200);
    expect(queries).toBe(0);
    // /api/me still shows this very request as the last use, as before the cache.
    expect(me.json().token).toMatchObject({
      id,
      status: 'active',
      last_used_at: clock.now().toISOString(),
      last_used_user_agent: 'cached/1',
    });
    expect(services.metrics.authCache.get({ result: 'hit' })).toBeGreaterThanOrEqual(2);
    // Last use is still recorded on every hit, for the batched write.
    expect(services.lastUsed.pending(id)?.userAgent).toBe('cached/1');
  });

  it('answers /api/me as its schema serializes it, with this very request as the last use', async () => {
    const { id, secret } = await tokenOf(await person());
    await warm(secret);
    const me = (userAgent: string) =>
      app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { authorization: `Bearer ${secret}`, 'user-agent': userAgent },
      });
    const first = await me('first/1');
    clock.advance(1500);
    // Quotes, a backslash and Latin-1: what the splice must escape as the schema's serializer does.
    const agent = 'second "quoted" \\ agent é';
    const second = await me(agent);
    expect(second.statusCode).toBe(200);
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(second.headers['cache-control']).toBe('no-store');
    const body = second.json();
    expect(body.token).toMatchObject({
      id,
      status: 'active',
      last_used_at: clock.now().toISOString(),
      last_used_ip: '127.0.0.1',
      last_used_user_agent: agent,
    });
    // Byte for byte what the route's schema makes of it: no field more or less, in the schema's order.
    expect(second.body).toBe(JSON.stringify(Me.encode(body)));
    // Only the last use differs from the first answer.
    const withoutUse = (answer: { token: Record<string, unknown> }) => ({
      ...answer,
      token: { ...answer.token, last_used_at: null, last_used_user_agent: null },
    });
    expect(withoutUse(body)).toEqual(withoutUse(first.json()));
    expect(queries).toBe(0);
  });

  it('reads a token in use again before its TTL, in one query for many, so it never misses by age', async () => {
    // A cache of its own, on a clock of its own; the refresher reads the real database.
    const now = { ms: 0 };
    const cache = new VerificationCache({
      maxEntries: 100,
      ttlMs: 60_000,
      negativeTtlMs: 0,
      now: () => now.ms,
    });
    const refresher = new CacheRefresher({
      lookup: lookUpVerifications(database.handle.db.withPlugin(counting)),
      cache,
      metrics: services.metrics,
    });
    const owner = await person();
    const kept = await tokenOf(owner);
    const edited = await tokenOf(owner);
    const deleted = await tokenOf(owner);
    for (const { secret } of [kept, edited, deleted]) {
      const hash = sha256Hex(secret);
      cache.remember(hash, await findTokenPrincipal(database.handle.db, hash), cache.epoch);
    }
    // Edited by hand, so no notice: only the TTL stands between these and the cache.
    await sql`update accounts set role = 'manager' where id = ${owner.id}`.execute(database.handle.db);
    await sql`delete from tokens where id = ${deleted.id}`.execute(database.handle.db);
    now.ms = 50_000; // past three quarters of the TTL
    for (const { secret } of [kept, edited, deleted]) expect(cache.lookup(sha256Hex(secret))).toBeDefined();
    queries = 0;
    expect(await refresher.refresh()).toBe(3);
    expect(queries).toBe(1);
    now.ms = 70_000; // past the first TTL
    const entry = cache.lookup(sha256Hex(edited.secret));
    expect(entry !== undefined && entry !== UNKNOWN && entry.account.role).toBe('manager');
    expect(cache.lookup(sha256Hex(deleted.secret))).toBeUndefined();
    expect(await refresher.refresh()).toBe(0);
  });

  it('checks expiry against the cached expires_at on every request', async () => {
    const { secret } = await tokenOf(await person());
    await warm(secret);
    clock.advance(30 * DAY - 1);
    expect((await bearer(secret)).statusCode).toBe(200);
    clock.advance(1);
    const expired = await bearer(secret);
    expect(expired.json().code).toBe('token_expired');
    expect(queries).toBe(0);
  });

  it('obeys a revoke, a restore and a delete on the very next request', async () => {
    const { id, secret, headers } = await tokenOf(await person());
    await warm(secret);
    await app.inject({ method: 'POST', url: `/api/tokens/${id}/revoke`, headers, payload: {} });
    expect((await bearer(secret)).json().code).toBe('token_revoked');
    // A cached failure is still counted and audited.
    const revokedBefore = services.metrics.authentications.get({ result: 'token_revoked' });
    queries = 0;
    expect((await bearer(secret)).json().code).toBe('token_revoked');
    expect(queries).toBe(0);
    expect(services.metrics.authentications.get({ result: 'token_revoked' })).toBe(revokedBefore + 1);
    await app.inject({ method: 'POST', url: `/api/tokens/${id}/restore`, headers });
    expect((await bearer(secret)).statusCode).toBe(200);
    await app.inject({ method: 'POST', url: `/api/tokens/${id}/revoke`, headers, payload: {} });
    expect((await bearer(secret)).json().code).toBe('token_revoked');
    const deleted = await app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers });
    expect(deleted.statusCode).toBe(204);
    expect((await bearer(secret)).json().code).toBe('token_unknown');
  });

  it('obeys a role change and a team change on the very next request', async () => {
    const member = await person('member');
    const { secret } = await tokenOf(member);
    await warm(secret);
    expect((await bearer(secret, '/api/users')).statusCode).toBe(403);
    await asAdmin('PATCH', `/api/users/${member.id}`, { role: 'manager' });
    expect((await bearer(secret, '/api/users')).statusCode).toBe(200);
    expect((await bearer(secret)).headers['x-tessera-role']).toBe('manager');

    const team = (await asAdmin('POST', '/api/teams', { name: 'Data' })).json();
    expect((await bearer(secret)).headers['x-tessera-teams']).toBe('Public');
    await asAdmin('PATCH', `/api/users/${member.id}`, { team_ids: [team.id] });
    expect((await bearer(secret)).headers['x-tessera-teams']).toBe('Data,Public');
    // /api/me keeps a serialized answer per cached principal: the change must not leave it stale.
    expect((await bearer(secret, '/api/me')).json().account).toMatchObject({
      name: member.name,
      role: 'manager',
    });
    await asAdmin('PATCH', `/api/users/${member.id}`, { role: 'member', name: 'Renamed' });
    expect((await bearer(secret, '/api/users')).statusCode).toBe(403);
    expect((await bearer(secret, '/api/me')).json().account.name).toBe('Renamed');
  });

  it('obeys a deactivation and a reactivation on the very next request', async () => {
    const owner = await person();
    const { secret } = await tokenOf(owner);
    await warm(secret);
    await asAdmin('POST', `/api/users/${owner.id}/deactivate`);
    expect((await bearer(secret)).json().code).toBe('owner_deactivated');

    // A service user's token, with the owner deactivated behind the service's back and then reactivated.
    const svc = await services.accounts.createServiceUser(null, { name: 'svc-cache', role: 'member' });
    const admin = await person('admin');
    const adminHeaders = await signIn(admin);
    const created = await app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: adminHeaders,
      payload: { name: 'Pipeline', kind: 'service', service_user_id: svc.id, expires_in_days: 30 },
    });
    const svcSecret = created.json().secret as string;
    await sql`update accounts set deactivated_at = now() where id = ${svc.id}`.execute(database.handle.db);
    expect((await bearer(svcSecret)).json().code).toBe('owner_deactivated');
    const reactivated = await app.inject({
      method: 'POST',
      url: `/api/users/${svc.id}/reactivate`,
      headers: adminHeaders,
    });
    expect(reactivated.statusCode).toBe(200);
    expect((await bearer(svcSecret)).statusCode).toBe(200);
  });

  it('remembers an unknown secret briefly, without a query, and counts each failure', async () => {
    const secret = generateSecret('personal');
    expect((await bearer(secret)).json().code).toBe('token_unknown');
    queries = 0;
    const before = services.metrics.authentications.get({ result: 'token_unknown' });
    expect((await bearer(secret)).json().code).toBe('token_unknown');
    expect(queries).toBe(0);
    expect(services.metrics.authentications.get({ result: 'token_unknown' })).toBe(before + 1);
    expect(services.metrics.authCache.get({ result: 'unknown_hit' })).toBeGreaterThanOrEqual(1);
  });

  it('never refuses a token created after its secret was remembered as unknown', async () => {
    const owner = await person();
    const secret = generateSecret('personal');
    const hash = sha256Hex(secret);
    expect((await bearer(secret)).json().code).toBe('token_unknown');
    // Stands in for a token generated with exactly this secret: the row, then the change that
    // TokenService.generate publishes after its commit.
    await insertToken(owner.id, secret);
    await services.changes.publish({ type: 'secret', hash });
    expect((await bearer(secret)).statusCode).toBe(200);
  });

  it('does not cache a miss that raced with the creation of the token', async () => {
    const owner = await person();
    const secret = generateSecret('personal');
    const hash = sha256Hex(secret);
    // A lookup reads the epoch and finds nothing; meanwhile the token is created and published.
    const epoch = services.authCache.epoch;
    const row = await findTokenPrincipal(database.handle.db, hash);
    expect(row).toBeUndefined();
    await insertToken(owner.id, secret);
    await services.changes.publish({ type: 'secret', hash });
    services.authCache.remember(hash, row, epoch);
    expect((await bearer(secret)).statusCode).toBe(200);
  });

  it('publishes the hash of every generated secret, before the secret is returned', async () => {
    const seen: Change[] = [];
    const stop = services.changes.subscribe((change) => seen.push(change));
    try {
      const { secret } = await tokenOf(await person());
      expect(seen).toContainEqual({ type: 'secret', hash: sha256Hex(secret) });
    } finally {
      stop();
    }
  });

  it("carries changes through NOTIFY: another node's invalidate here, ours wait for its acknowledgement", async () => {
    const notifier = new ChangeNotifier({
      db: database.handle.db,
      feed: services.changes,
      cache: services.authCache,
      listen: database.handle.listen,
      onError: () => {},
    });
    await notifier.start();
    // "Another node": sees every notice on the channel, and acknowledges this node's changes.
    const seen: { n: string; s?: number; c?: unknown; ack?: { n: string; s: number } }[] = [];
    let acknowledge = true;
    const stopPeer = await database.handle.listen('tessera_changes', {
      onMessage: (payload) => {
        const notice = JSON.parse(payload);
        seen.push(notice);
        if (acknowledge && notice.c && notice.n !== 'another-node') {
          const ack = JSON.stringify({ n: 'another-node', ack: { n: notice.n, s: notice.s } });
          sql`select pg_notify('tessera_changes', ${ack})`.execute(database.handle.db).catch(() => {});
        }
      },
    });
    try {
      expect(notifier.listening).toBe(true);
      const { id, secret } = await tokenOf(await person());
      await warm(secret);
      // A revoke on the other node (at this test's clock: a later revoked_at would be a scheduled one): the row
      // changes behind this node's back, then its notice arrives.
      await sql`update tokens set revoked_at = ${clock.now()} where id = ${id}`.execute(database.handle.db);
      expect((await bearer(secret)).statusCode).toBe(200);
      const notice = JSON.stringify({ n: 'another-node', s: 1, c: { type: 'token', id } });
      await sql`select pg_notify('tessera_changes', ${notice})`.execute(database.handle.db);
      const deadline = Date.now() + 1000;
      while (notifier.received === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect((await bearer(secret)).json().code).toBe('token_revoked');
      // This node acknowledged it, to the node that sent it.
      const acknowledged = () => seen.some((n) => n.ack?.n === 'another-node' && n.ack.s === 1);
      const ackDeadline = Date.now() + 5000;
      while (!acknowledged() && Date.now() < ackDeadline) await new Promise((r) => setTimeout(r, 5));
      expect(acknowledged()).toBe(true);
      expect(notifier.peers).toBe(1);

      // This node's own change returns once its notice is back and the other node has acknowledged.
      const change = { type: 'account', id: 'b1e0f6a2-0000-4000-8000-000000000000' } as const;
      await services.changes.publish(change);
      expect(notifier.unacknowledged).toBe(0);
      // Without the acknowledgement it waits for the timeout before answering anyway.
      acknowledge = false;
      await services.changes.publish(change);
      expect(notifier.unacknowledged).toBe(1);
    } finally {
      await stopPeer();
      await notifier.stop();
      services.authCache.setAvailable(true);
    }
  });

  it.skipIf(testEngine() !== 'postgres')(
    'stops serving from the cache while the LISTEN connection is down, and starts empty when back',
    async () => {
      const notifier = new ChangeNotifier({
        db: database.handle.db,
        feed: services.changes,
        cache: services.authCache,
        listen: database.handle.listen,
        onError: () => {},
      });
      await notifier.start();
      try {
        expect(notifier.listening).toBe(true);
        const { secret } = await tokenOf(await person());
        await warm(secret);
        await bearer(secret);
        expect(queries).toBe(0);
        const states: boolean[] = [];
        const poll = setInterval(() => states.push(services.authCache.available), 5);
        await sql`select pg_terminate_backend(pid) from pg_stat_activity
                  where datname = current_database() and query ilike 'listen%'`.execute(database.handle.db);
        const deadline = Date.now() + 5000;
        while ((states.at(-1) !== true || !states.includes(false)) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        clearInterval(poll);
        expect(states).toContain(false);
        expect(notifier.listening).toBe(true);
        expect(services.authCache.size).toBe(0);
        queries = 0;
        expect((await bearer(secret)).statusCode).toBe(200);
        expect(queries).toBeGreaterThan(0);
      } finally {
        await notifier.stop();
        services.authCache.setAvailable(true);
      }
    },
  );
});

describe('misses after a restart', () => {
  it('reads a token once for many concurrent requests, and many tokens in one statement', async () => {
    const owner = await person();
    const tokens = await Promise.all(Array.from({ length: 30 }, () => tokenOf(owner)));
    services.authCache.clear();
    queries = 0;
    const same = await Promise.all(Array.from({ length: 20 }, () => bearer(tokens[0]!.secret)));
    expect(same.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect(queries).toBe(1);
    services.authCache.clear();
    queries = 0;
    const many = await Promise.all(tokens.map(({ secret }) => bearer(secret)));
    expect(many.map((r) => r.statusCode)).toEqual(Array(30).fill(200));
    expect(queries).toBe(1);
    // Unknown secrets (with a valid checksum) go in the same statements and are not found.
    services.authCache.clear();
    const unknown = await Promise.all(Array.from({ length: 5 }, () => bearer(generateSecret('personal'))));
    expect(unknown.map((r) => r.json().code)).toEqual(Array(5).fill('token_unknown'));
  });

  it('does not let a request that comes after a change join a lookup sent before it', async () => {
    const owner = await person();
    const { id, secret } = await tokenOf(owner);
    const hash = sha256Hex(secret);
    const cache = new VerificationCache({ maxEntries: 100, ttlMs: 60_000, negativeTtlMs: 0 });
    const read = lookUpVerifications(database.handle.db);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    const misses = new CacheMisses({
      cache,
      // The first read is held after the database answered: it is "in flight" across the revocation.
      lookup: async (hashes) => {
        const found = await read(hashes);
        if (++reads === 1) await held;
        return found;
      },
    });
    const before = misses.find(hash);
    const joined = misses.find(hash);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toBe(1);
    await sql`update tokens set revoked_at = ${clock.now()} where id = ${id}`.execute(database.handle.db);
    cache.apply({ type: 'token', id });
    const after = misses.find(hash);
    release();
    expect((await before)?.token.revoked_at).toBeNull();
    expect(await joined).toBe(await before);
    expect((await after)?.token.revoked_at).not.toBeNull();
    expect(reads).toBe(2);
    // The read from before the change was not cached; the one after it was.
    expect(cache.lookup(hash)).toBe(await after);
  });
});

async function insertToken(ownerId: string, secret: string) {
  await sql`insert into tokens (kind, owner_id, name, secret_hash, hint, expires_at)
    values ('personal', ${ownerId}, ${`raced ${++counter}`}, ${sha256Hex(secret)}, ${secretHint(secret)},
            ${new Date(clock.now().getTime() + DAY)})`.execute(database.handle.db);
}
