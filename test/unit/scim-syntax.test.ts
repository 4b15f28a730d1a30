import { describe, expect, it } from 'vitest';
import { attributePath, pathText } from '../../src/scim/attributes.ts';
import { ScimError } from '../../src/scim/errors.ts';
import { FILTER_MAX_LENGTH, parseFilter } from '../../src/scim/filter.ts';
import { groupChange, patchUser, readOperations, readPath } from '../../src/scim/patch.ts';
import { project, readProjection } from '../../src/scim/projection.ts';

// The parts of SCIM's syntax that need no database: attribute names, filters' limits, PATCH paths and
// operations, and `attributes` / `excludedAttributes`.

const TESSERA = 'urn:ietf:params:scim:schemas:extension:tessera:2.0:User';

function scimType(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error.scimType;
    throw error;
  }
  throw new Error('did not throw');
}

describe('attribute paths', () => {
  it('spell known names as Tessera does, in any case and with or without the schema URN', () => {
    const spelled = (text: string) => {
      const path = attributePath('User', text);
      return path && `${pathText(path)}${path.known ? '' : ' (unknown)'}`;
    };
    expect(spelled('USERNAME')).toBe('userName');
    expect(spelled('name.GIVENNAME')).toBe('name.givenName');
    expect(spelled('urn:ietf:params:scim:schemas:core:2.0:User:Name.FamilyName')).toBe('name.familyName');
    expect(spelled(`${TESSERA.toUpperCase()}:ROLE`)).toBe(`${TESSERA}:role`);
    expect(spelled('title')).toBe('title (unknown)');
    expect(spelled('urn:example:custom:2.0:User:tag')).toBe('urn:example:custom:2.0:User:tag (unknown)');
    expect(spelled('name..givenName')).toBeUndefined();
    expect(spelled('a.b.c')).toBeUndefined();
    expect(attributePath('Group', 'MEMBERS.value')).toMatchObject({
      name: 'members',
      sub: 'value',
      known: true,
    });
  });
});

describe('filters, before they are parsed', () => {
  it('refuse what is over the limits or holds control characters, in linear time', () => {
    const started = performance.now();
    expect(scimType(() => parseFilter(`userName eq "${'a'.repeat(FILTER_MAX_LENGTH)}"`))).toBe(
      'invalidFilter',
    );
    expect(scimType(() => parseFilter(`${'('.repeat(17)}a eq 1${')'.repeat(17)}`))).toBe('invalidFilter');
    // The parser's tokenizer backtracks exponentially on newlines in an unterminated string.
    expect(scimType(() => parseFilter(`userName eq "${'\n'.repeat(40)}`))).toBe('invalidFilter');
    expect(scimType(() => parseFilter(Array.from({ length: 51 }, () => 'a eq 1').join(' or ')))).toBe(
      'invalidFilter',
    );
    expect(performance.now() - started).toBeLessThan(200);
    // Brackets inside strings are not nesting.
    expect(parseFilter(`userName eq "${'('.repeat(50)}"`)).toMatchObject({ op: 'eq' });
    expect(parseFilter(`${'('.repeat(16)}a eq 1${')'.repeat(16)}`)).toMatchObject({ op: 'eq' });
  });

  it('parse RFC 7644 §3.4.2.2 examples, with "and" binding tighter than "or"', () => {
    expect(parseFilter('title pr and userType eq "Employee"')).toMatchObject({ op: 'and' });
    expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toMatchObject({
      op: 'or',
      filters: [{ op: 'eq' }, { op: 'and' }],
    });
    expect(
      parseFilter(
        'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      ),
    ).toMatchObject({ op: 'and', filters: [{ op: 'ne' }, { op: 'not' }] });
    expect(parseFilter('emails[type eq "work" and value co "@example.com"]')).toMatchObject({
      op: '[]',
      attrPath: 'emails',
    });
  });
});

describe('PATCH', () => {
  const doc = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', TESSERA],
    id: 'u1',
    userName: 'a@example.com',
    name: { givenName: 'A', familyName: 'B' },
    displayName: 'A B',
    emails: [{ value: 'a@example.com', type: 'work', primary: true }],
    active: true,
    [TESSERA]: { role: 'member' },
  };
  const apply = (operations: unknown[]) =>
    patchUser(doc, readOperations('User', { schemas: [], Operations: operations }));

  it('reads paths with filters and sub-attributes, refusing malformed ones', () => {
    expect(readPath('User', 'emails[type eq "work"].VALUE')).toMatchObject({
      attribute: { name: 'emails' },
      filter: 'type eq "work"',
      sub: 'value',
    });
    expect(readPath('Group', 'members[value eq "a]b"]')).toMatchObject({ filter: 'value eq "a]b"' });
    for (const bad of [
      'emails[type eq "work"',
      'emails[type eq "work"]x',
      'name.givenName[x eq 1]',
      '',
      'emails[(]',
    ]) {
      expect(
        scimType(() => readPath('User', bad)),
        bad,
      ).toBe('invalidPath');
    }
  });

  it("applies the providers' shapes to a copy, passing over attributes Tessera does not keep", () => {
    expect(apply([{ op: 'Replace', path: 'active', value: 'False' }]).active).toBe('False');
    expect(
      apply([{ op: 'replace', value: { active: false, 'name.givenName': 'C', title: 'x' } }]),
    ).toMatchObject({
      active: false,
      name: { givenName: 'C', familyName: 'B' },
    });
    expect(apply([{ op: 'replace', value: { [TESSERA]: { role: 'admin' } } }])[TESSERA]).toEqual({
      role: 'admin',
    });
    expect(apply([{ op: 'add', path: 'title', value: 'x' }])).not.toHaveProperty('title');
    expect(doc.active).toBe(true);
  });

  it('turns Group operations into a name and member changes, in order', () => {
    const team = { id: 't1', name: 'Old', external_id: null, builtin: false };
    const a = '00000000-0000-4000-8000-00000000000a';
    const b = '00000000-0000-4000-8000-00000000000b';
    const operations = readOperations('Group', {
      Operations: [
        { op: 'replace', value: { id: 't1', displayName: 'New' } },
        { op: 'remove', path: `members[value eq "${a}" or value eq "${b.toUpperCase()}"]` },
        { op: 'add', path: 'members', value: [{ value: a }] },
        { op: 'Remove', path: 'members', value: [{ value: b }, { value: 'u1091' }] },
        { op: 'remove', path: 'members' },
      ],
    });
    expect(groupChange(team, operations)).toEqual({
      name: 'New',
      external_id: null,
      members: [
        { op: 'remove', ids: [a, b] },
        { op: 'add', ids: [a] },
        { op: 'remove', ids: [b] },
        { op: 'replace', ids: [] },
      ],
    });
    expect(
      scimType(() =>
        groupChange(team, readOperations('Group', { Operations: [{ op: 'replace', value: { id: 't2' } }] })),
      ),
    ).toBe('mutability');
  });
});

describe('attributes and excludedAttributes', () => {
  const user = {
    schemas: ['s'],
    id: 'u1',
    userName: 'a@example.com',
    name: { givenName: 'A', familyName: 'B' },
    groups: [{ value: 'g', display: 'G' }],
    [TESSERA]: { role: 'member' },
    meta: { created: 'x' },
  };

  it('keep id and schemas, and pick attributes and sub-attributes in any case', () => {
    expect(
      project(user, readProjection('User', { attributes: 'USERNAME,name.familyName,groups.display' })),
    ).toEqual({
      schemas: ['s'],
      id: 'u1',
      userName: 'a@example.com',
      name: { familyName: 'B' },
      groups: [{ display: 'G' }],
    });
    expect(project(user, readProjection('User', { attributes: `${TESSERA}:role,unknown` }))).toEqual({
      schemas: ['s'],
      id: 'u1',
      [TESSERA]: { role: 'member' },
    });
    expect(project(user, readProjection('User', { excludedAttributes: 'meta,name.givenName,id' }))).toEqual({
      schemas: ['s'],
      id: 'u1',
      userName: 'a@example.com',
      name: { familyName: 'B' },
      groups: [{ value: 'g', display: 'G' }],
      [TESSERA]: { role: 'member' },
    });
  });
});
