import { describe, expect, it } from 'vitest';
import { conditionHolds } from '../../src/federation/conditions.ts';

describe('trust policy conditions', () => {
  const claims = { sub: 'repo:acme/app:ref:refs/heads/main', run_attempt: 2, tags: ['a', 'b'], flag: true };

  it('match exactly, or by glob with * and ? and nothing else special', () => {
    expect(
      conditionHolds({ claim: 'sub', value: 'repo:acme/app:ref:refs/heads/main', match: 'exact' }, claims),
    ).toBe(true);
    expect(conditionHolds({ claim: 'sub', value: 'repo:acme/app:*', match: 'exact' }, claims)).toBe(false);
    expect(conditionHolds({ claim: 'sub', value: 'repo:acme/*', match: 'glob' }, claims)).toBe(true);
    expect(
      conditionHolds({ claim: 'sub', value: 'repo:acme/ap?:ref:refs/heads/mai?', match: 'glob' }, claims),
    ).toBe(true);
    expect(conditionHolds({ claim: 'sub', value: 'repo:acme/app', match: 'glob' }, claims)).toBe(false);
    // Regular-expression characters are themselves.
    expect(conditionHolds({ claim: 'sub', value: 'repo:acme.app*', match: 'glob' }, claims)).toBe(false);
    expect(conditionHolds({ claim: 'sub', value: '(repo)*', match: 'glob' }, { sub: '(repo):x' })).toBe(true);
  });

  it('read numbers, booleans and arrays as text, and an absent claim matches nothing', () => {
    expect(conditionHolds({ claim: 'run_attempt', value: '2', match: 'exact' }, claims)).toBe(true);
    expect(conditionHolds({ claim: 'flag', value: 'true', match: 'exact' }, claims)).toBe(true);
    expect(conditionHolds({ claim: 'tags', value: 'b', match: 'exact' }, claims)).toBe(true);
    expect(conditionHolds({ claim: 'environment', value: '*', match: 'glob' }, claims)).toBe(false);
  });
});
