import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/core/roles.ts';
import { apiScopeAllows, apiScopeNeeded, effectiveScopes, scopeNameProblem } from '../../src/core/scopes.ts';

describe('effectiveScopes', () => {
  const catalog = new Map<string, Role>([
    ['orders:read', 'member'],
    ['deploy', 'manager'],
  ]);
  it("keeps Tessera's own scopes, and upstream ones the catalog holds and the role reaches", () => {
    expect(effectiveScopes(['api', 'orders:read', 'deploy', 'gone'], 'member', catalog)).toEqual([
      'api',
      'orders:read',
    ]);
    expect(effectiveScopes(['scim', 'deploy'], 'manager', catalog)).toEqual(['scim', 'deploy']);
    expect(effectiveScopes(['introspect', 'deploy'], 'admin', new Map())).toEqual(['introspect']);
  });
});

describe('apiScopeAllows', () => {
  it.each([
    [['api'], 'DELETE', '/api/tokens/x', true],
    [['read_api'], 'GET', '/api/me', true],
    [['read_api'], 'HEAD', '/api', true],
    [['read_api'], 'POST', '/api/tokens', false],
    [['read_api'], 'GET', '/scim/v2/Users', false],
    [['read_api'], 'GET', '/apix', false],
    [['scim'], 'PATCH', '/scim/v2/Users/1', true],
    [['scim'], 'GET', '/api/me', false],
    [['orders:read'], 'GET', '/api/me', false],
    [['introspect'], 'GET', '/api/me', false],
    [['read_api'], 'GET', undefined, false],
  ] as const)('%j %s %s → %s', (scopes, method, path, allowed) => {
    expect(apiScopeAllows(scopes, method, path)).toBe(allowed);
  });

  it('names the scope a refusal lacks', () => {
    expect(apiScopeNeeded('GET', '/api/me')).toBe('read_api');
    expect(apiScopeNeeded('POST', '/api/tokens')).toBe('api');
    expect(apiScopeNeeded('GET', '/scim/v2/Users')).toBe('scim');
  });
});

describe('scopeNameProblem', () => {
  it.each(['orders:read', 'a', 'billing.v2_admin-x', `a${'b'.repeat(63)}`])('accepts %s', (name) => {
    expect(scopeNameProblem(name)).toBeUndefined();
  });
  it.each(['', 'Orders', '9lives', 'a b', `a${'b'.repeat(64)}`, 'api', 'read_api', 'scim', 'introspect'])(
    'refuses %j',
    (name) => {
      expect(scopeNameProblem(name)).toBeDefined();
    },
  );
});
