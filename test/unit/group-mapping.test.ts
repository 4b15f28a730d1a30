import { describe, expect, it } from 'vitest';
import { groupsIn, mapGroups } from '../../src/sso/group-mapping.ts';

const MAPPING = {
  'tessera-admins': { role: 'admin' as const },
  'data-eng': { role: 'manager' as const, teams: ['Data', 'Pipelines'] },
  analysts: { teams: ['Analytics', 'data'] },
};

describe('the group mapping', () => {
  it('gives the highest role of the groups, and Member when none gives one', () => {
    expect(mapGroups(MAPPING, ['data-eng', 'tessera-admins']).role).toBe('admin');
    expect(mapGroups(MAPPING, ['data-eng']).role).toBe('manager');
    expect(mapGroups(MAPPING, ['analysts', 'someone-elses']).role).toBe('member');
    expect(mapGroups(MAPPING, []).role).toBe('member');
  });

  it('leaves the role alone when no entry names one', () => {
    expect(mapGroups({ analysts: { teams: ['Analytics'] } }, ['analysts']).role).toBeUndefined();
  });

  it('manages every team it names, and gives those of the groups, each name once whatever its case', () => {
    expect(mapGroups(MAPPING, ['analysts'])).toEqual({
      role: 'member',
      managedTeams: ['Data', 'Pipelines', 'Analytics'],
      givenTeams: ['Analytics', 'data'],
    });
    expect(mapGroups(MAPPING, ['analysts', 'data-eng']).givenTeams).toEqual([
      'Data',
      'Pipelines',
      'Analytics',
    ]);
  });

  it('matches group names exactly', () => {
    expect(mapGroups(MAPPING, ['Tessera-Admins', 'tessera-admins ']).role).toBe('member');
  });
});

describe('the groups in a claim', () => {
  it('reads a list, or one name', () => {
    expect(groupsIn({ groups: ['a', 'b', 3, null] }, 'groups')).toEqual(['a', 'b']);
    expect(groupsIn({ groups: 'a' }, 'groups')).toEqual(['a']);
    expect(groupsIn({}, 'groups')).toEqual([]);
    expect(groupsIn({ groups: { a: true } }, 'groups')).toEqual([]);
  });

  it('takes a dotted name whole first, then as a path', () => {
    expect(groupsIn({ 'https://example.com/groups': ['x'] }, 'https://example.com/groups')).toEqual(['x']);
    expect(groupsIn({ realm_access: { roles: ['admins'] } }, 'realm_access.roles')).toEqual(['admins']);
    expect(groupsIn({ realm_access: ['admins'] }, 'realm_access.roles')).toEqual([]);
  });
});
