import { describe, expect, it } from 'vitest';
import { UNKNOWN, VerificationCache } from '../../src/auth/verification/cache.ts';
import type { TokenPrincipalRow } from '../../src/auth/verification/queries.ts';

let counter = 0;

function row(ownerId = 'owner-1'): TokenPrincipalRow {
  counter++;
  const at = new Date('2026-11-22T12:00:00Z');
  return {
    token: {
      id: `token-${counter}`,
      kind: 'personal',
      owner_id: ownerId,
      name: `token ${counter}`,
      hint: 'abcd',
      scopes: ['api'],
      scope_roles: [],
      created_at: at,
      created_by: ownerId,
      expires_at: null,
      revoked_at: null,
      revoked_by: null,
      revoked_reason: null,
      last_used_at: null,
      last_used_ip: null,
      last_used_user_agent: null,
      description: null,
      allowed_networks: null,
      trust_policy_id: null,
      federated_claims: null,
      replaced_by_id: null,
      replaced_by_name: null,
      replaces_id: null,
      replaces_name: null,
    },
    account: {
      id: ownerId,
      kind: 'human',
      role: 'member',
      name: 'Someone',
      email: 'someone@example.com',
      internal_id: null,
      avatar_url: null,
      deactivated_at: null,
      teams: [],
    },
  };
}

function cache(maxEntries: number): VerificationCache {
  return new VerificationCache({ maxEntries, ttlMs: 0, negativeTtlMs: 5000 });
}

describe('VerificationCache eviction', () => {
  it('evicts the least recently used entry of a small cache first', () => {
    const c = cache(3);
    for (const hash of ['a', 'b', 'c']) c.remember(hash, row(), c.epoch);
    expect(c.lookup('a')).toBeDefined(); // a is now the most recent; b the least
    c.remember('d', row(), c.epoch);
    expect(c.size).toBe(3);
    expect(c.lookup('b')).toBeUndefined();
    for (const hash of ['a', 'c', 'd']) expect(c.lookup(hash)).toBeDefined();
  });

  it('keeps an entry that is in use however many others pass through a large cache', () => {
    const c = cache(1000);
    c.remember('hot', row(), c.epoch);
    for (let i = 0; i < 20_000; i++) {
      c.remember(`cold-${i}`, row(`owner-${i % 50}`), c.epoch);
      // Used now and then (every 100 insertions), far less often than the cache turns over.
      if (i % 100 === 0) expect(c.lookup('hot')).toBeDefined();
    }
    expect(c.size).toBe(1000);
    expect(c.lookup('hot')).toBeDefined();
    expect(c.lookup('cold-0')).toBeUndefined();
  });

  it('evicts an entry nobody looks up once the cache has turned over', () => {
    const c = cache(1000);
    c.remember('idle', row(), c.epoch);
    for (let i = 0; i < 1000; i++) c.remember(`other-${i}`, row(), c.epoch);
    expect(c.lookup('idle')).toBeUndefined();
  });

  it('returns what it stored, and nothing when an invalidation raced the lookup', () => {
    const c = cache(10);
    const stored = c.remember('a', row(), c.epoch);
    expect(stored).toBe(c.lookup('a'));
    const epoch = c.epoch;
    c.apply({ type: 'account', id: 'someone-else' });
    expect(c.remember('b', row(), epoch)).toBeUndefined();
    expect(c.lookup('b')).toBeUndefined();
  });
});

describe('VerificationCache refresh ahead of the TTL', () => {
  function timed(ttlMs = 1000) {
    const clock = { now: 0 };
    const c = new VerificationCache({ maxEntries: 100, ttlMs, negativeTtlMs: 0, now: () => clock.now });
    return { c, clock };
  }
  const found = (entries: [string, TokenPrincipalRow][]) => new Map(entries);

  it('hands out an entry used after 3/4 of its TTL once, and a refresh gives it a new TTL', () => {
    const { c, clock } = timed();
    const original = row();
    c.remember('h', original, c.epoch);
    clock.now = 700;
    c.lookup('h');
    expect(c.takeStale()).toEqual([]); // not yet three quarters
    clock.now = 800;
    c.lookup('h');
    c.lookup('h');
    expect(c.takeStale()).toEqual(['h']); // once, however often it was used
    c.lookup('h');
    expect(c.takeStale()).toEqual([]); // already being refreshed
    const now = structuredClone(original);
    now.account.role = 'admin';
    c.refreshed(['h'], found([['h', now]]), c.epoch);
    clock.now = 1500; // past the first TTL (read again at 800): still a hit, with what was read
    const entry = c.lookup('h');
    expect(entry).not.toBe(UNKNOWN);
    expect(entry && entry !== UNKNOWN ? entry.account.role : undefined).toBe('admin');
    clock.now = 1600; // three quarters of the new TTL: asked for again
    c.lookup('h');
    expect(c.takeStale()).toEqual(['h']);
  });

  it('drops an entry whose token is gone, and keeps one that an invalidation or a failed read overtook', () => {
    const { c, clock } = timed();
    for (const hash of ['gone', 'raced', 'failed']) c.remember(hash, row(), c.epoch);
    clock.now = 800;
    for (const hash of ['gone', 'raced', 'failed']) c.lookup(hash);
    expect(c.takeStale().sort()).toEqual(['failed', 'gone', 'raced']);
    const epoch = c.epoch;
    c.refreshed(['gone'], found([]), epoch);
    expect(c.lookup('gone')).toBeUndefined();
    c.apply({ type: 'token', id: 'some-other-token' }); // an invalidation while the read was out
    c.refreshed(['raced'], found([['raced', row()]]), epoch);
    c.refreshed(['failed'], undefined, c.epoch);
    for (const hash of ['raced', 'failed']) {
      expect(c.lookup(hash)).toBeDefined(); // kept as it was, and asked for again on this use
    }
    expect(c.takeStale().sort()).toEqual(['failed', 'raced']);
    clock.now = 1001; // nothing refreshed them: the TTL still holds
    expect(c.lookup('raced')).toBeUndefined();
    expect(c.lookup('failed')).toBeUndefined();
  });

  it('asks for nothing when the TTL is off', () => {
    const { c, clock } = timed(0);
    c.remember('h', row(), c.epoch);
    clock.now = 1e9;
    expect(c.lookup('h')).toBeDefined();
    expect(c.takeStale()).toEqual([]);
  });
});

describe('VerificationCache invalidation by team', () => {
  it("drops every owner in a renamed or deleted team, and nobody else's tokens", () => {
    const c = cache(100);
    const inTeam = (ownerId: string, teamIds: string[]) => {
      const r = row(ownerId);
      r.account.teams = teamIds.map((id) => ({ id, name: `team ${id}` }));
      return r;
    };
    c.remember('a1', inTeam('owner-a', ['team-x']), c.epoch);
    c.remember('a2', inTeam('owner-a', ['team-x']), c.epoch);
    c.remember('b', inTeam('owner-b', ['team-x', 'team-y']), c.epoch);
    c.remember('c', inTeam('owner-c', ['team-y']), c.epoch);
    const epoch = c.epoch;
    c.apply({ type: 'team', id: 'team-x' });
    expect(c.epoch).toBeGreaterThan(epoch);
    for (const hash of ['a1', 'a2', 'b']) expect(c.lookup(hash)).toBeUndefined();
    expect(c.lookup('c')).toBeDefined();
  });
});
