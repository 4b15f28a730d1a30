import { describe, expect, it } from 'vitest';
import type { TokenPrincipalRow } from '../../src/db/queries/principals.ts';
import { VerificationCache } from '../../src/services/verification-cache.ts';

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
      scim_only: false,
      created_at: at,
      created_by: ownerId,
      expires_at: null,
      revoked_at: null,
      revoked_by: null,
      revoked_reason: null,
      last_used_at: null,
      last_used_ip: null,
      last_used_user_agent: null,
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
