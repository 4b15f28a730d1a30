import { describe, expect, it } from 'vitest';
import { setupHarness } from '../support/harness.ts';
import { type ScimClient, scimClient, scimError } from '../support/scim.ts';

// SCIM Groups = Tessera's teams: create, read, filter, replace, the members PATCHes Okta and Entra ID
// send, delete, and the built-in Public team that keeps its name and everyone.
const h = setupHarness();

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let counter = 0;
async function person(scim: ScimClient): Promise<string> {
  counter++;
  const response = await scim.call('POST', '/Users', {
    schemas: [USER],
    userName: `member${counter}@example.com`,
    name: { givenName: 'Member', familyName: String(counter) },
    active: true,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

async function group(scim: ScimClient, body: Record<string, unknown> = {}) {
  counter++;
  const response = await scim.call('POST', '/Groups', {
    schemas: [GROUP],
    displayName: `Team ${counter}`,
    ...body,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; displayName: string; members?: { value: string }[] };
}

const patch = (scim: ScimClient, id: string, Operations: unknown[]) =>
  scim.call('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations });

async function memberIds(scim: ScimClient, id: string): Promise<string[]> {
  const response = await scim.call('GET', `/Groups/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().members ?? []).map((m: { value: string }) => m.value).sort();
}

async function publicTeam(scim: ScimClient) {
  const response = await scim.call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "public"')}`);
  return response.json().Resources[0] as { id: string };
}

describe('SCIM Groups', () => {
  it('creates a team as Okta and Entra ID send one, with or without members', async () => {
    const scim = await scimClient(h);
    const okta = await scim.call('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Test SCIMv2',
      members: [],
    });
    expect(okta.statusCode).toBe(201);
    expect(okta.json()).toMatchObject({
      schemas: [GROUP],
      displayName: 'Test SCIMv2',
      members: [],
      meta: { resourceType: 'Group' },
    });
    expect(okta.headers.location).toBe(`http://localhost:80/scim/v2/Groups/${okta.json().id}`);
    const entra = await scim.call('POST', '/Groups', {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(entra.statusCode).toBe(201);
    expect(entra.json().externalId).toBe('8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
    const a = await person(scim);
    const withMembers = await group(scim, { members: [{ value: a, display: 'x' }] });
    expect(withMembers.members).toMatchObject([{ value: a, display: `Member ${counter - 1}`, type: 'User' }]);
    const teams = (await h.request({ url: '/api/teams', session: scim.admin })).json().items;
    expect(teams.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['Test SCIMv2', 'displayName']),
    );
    const audit = (
      await h.request({ url: `/api/audit?target_id=${okta.json().id}`, session: scim.admin })
    ).json().items;
    expect(audit).toMatchObject([
      { action: 'team.created', actor: { id: scim.serviceUser.id }, details: { via: 'scim' } },
    ]);
  });

  it('refuses a name taken in any case (409 uniqueness), a missing name and unknown members', async () => {
    const scim = await scimClient(h);
    const team = await group(scim);
    const again = await scim.call('POST', '/Groups', {
      schemas: [GROUP],
      displayName: team.displayName.toUpperCase(),
    });
    expect(scimError(again)).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect(scimError(await scim.call('POST', '/Groups', { schemas: [GROUP] })).scimType).toBe('invalidValue');
    const unknown = await scim.call('POST', '/Groups', {
      displayName: 'Ghosts',
      members: [{ value: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(scimError(unknown).scimType).toBe('invalidValue');
    const service = await scim.call('POST', '/Groups', {
      displayName: 'Robots',
      members: [{ value: scim.serviceUser.id }],
    });
    expect(scimError(service).scimType).toBe('invalidValue');
    expect(scimError(await scim.call('POST', '/Groups', { displayName: 'A\u0000B' })).scimType).toBe(
      'invalidValue',
    );
    const teams = (await h.request({ url: '/api/teams', session: scim.admin })).json().items;
    expect(teams.map((t: { name: string }) => t.name).sort()).toEqual(['Public', team.displayName].sort());
  });

  it('finds by displayName, externalId and member, leaving out members when asked', async () => {
    const scim = await scimClient(h);
    const a = await person(scim);
    const team = await group(scim, { externalId: 'grp-1', members: [{ value: a }] });
    await group(scim);
    const get = (query: string) => scim.call('GET', `/Groups?${query}`);
    const byName = (
      await get(
        `excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${team.displayName.toLowerCase()}"`)}`,
      )
    ).json();
    expect(byName).toMatchObject({ totalResults: 1, Resources: [{ id: team.id, externalId: 'grp-1' }] });
    expect(byName.Resources[0]).not.toHaveProperty('members');
    expect((await get(`filter=${encodeURIComponent('externalId eq "grp-1"')}`)).json().totalResults).toBe(1);
    const byMember = (await get(`filter=${encodeURIComponent(`members[value eq "${a}"]`)}`)).json();
    expect(byMember.Resources.map((g: { displayName: string }) => g.displayName).sort()).toEqual(
      ['Public', team.displayName].sort(),
    );
    expect((await get(`filter=${encodeURIComponent('displayName co "team"')}&count=1`)).json()).toMatchObject(
      { totalResults: 2, itemsPerPage: 1 },
    );
    expect((await get(`filter=${encodeURIComponent('displayName eq "nothing"')}`)).json()).toMatchObject({
      totalResults: 0,
      Resources: [],
    });
    expect(scimError(await get(`filter=${encodeURIComponent('members.display eq "x"')}`)).scimType).toBe(
      'invalidFilter',
    );
    const one = (await scim.call('GET', `/Groups/${team.id}?excludedAttributes=members`)).json();
    expect(one).not.toHaveProperty('members');
    expect((await scim.call('GET', '/Groups/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    // A person's groups attribute names their teams.
    const user = (await scim.call('GET', `/Users/${a}`)).json();
    expect(user.groups.map((g: { value: string }) => g.value)).toContain(team.id);
  });

  it("applies Entra ID's member PATCHes (204, no body), and Okta's remove-and-add and full push", async () => {
    const scim = await scimClient(h);
    const [a, b, c] = [await person(scim), await person(scim), await person(scim)];
    const team = await group(scim);

    const add = await patch(scim, team.id, [
      { op: 'Add', path: 'members', value: [{ $ref: null, value: a }] },
    ]);
    expect(add.statusCode, add.body).toBe(204);
    expect(add.body).toBe('');
    expect(await memberIds(scim, team.id)).toEqual([a]);
    const removeByValue = await patch(scim, team.id, [
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: a }] },
    ]);
    expect(removeByValue.statusCode).toBe(204);
    expect(await memberIds(scim, team.id)).toEqual([]);

    await patch(scim, team.id, [{ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }]);
    const okta = await patch(scim, team.id, [
      { op: 'remove', path: `members[value eq "${a}"]` },
      { op: 'add', path: 'members', value: [{ value: c, display: 'c' }] },
    ]);
    expect(okta.statusCode).toBe(204);
    expect(await memberIds(scim, team.id)).toEqual([b, c].sort());
    const push = await patch(scim, team.id, [
      { op: 'replace', path: 'members', value: [{ value: a }, { value: c }] },
    ]);
    expect(push.statusCode).toBe(204);
    expect(await memberIds(scim, team.id)).toEqual([a, c].sort());
    // Removing someone who is not a member is no error: the provider's view and Tessera's agree after it.
    expect(
      (await patch(scim, team.id, [{ op: 'remove', path: `members[value eq "${b}"]` }])).statusCode,
    ).toBe(204);
    expect(
      (await patch(scim, team.id, [{ op: 'remove', path: 'members', value: [{ value: 'u1091' }] }]))
        .statusCode,
    ).toBe(204);
    expect((await patch(scim, team.id, [{ op: 'remove', path: 'members' }])).statusCode).toBe(204);
    expect(await memberIds(scim, team.id)).toEqual([]);

    const audit = (
      await h.request({ url: `/api/audit?target_id=${team.id}&action=team.updated`, session: scim.admin })
    ).json().items;
    expect(audit.at(-1)).toMatchObject({ details: { via: 'scim', members_added: 1, members_removed: 0 } });
    expect(audit.length).toBe(6); // the two removals of non-members changed nothing, and left no entry
  });

  it('renames as Okta and Entra ID do, and answers with the group when attributes are asked for', async () => {
    const scim = await scimClient(h);
    const team = await group(scim);
    const okta = await patch(scim, team.id, [
      { op: 'replace', value: { id: team.id, displayName: 'Test SCIMv20' } },
    ]);
    expect(okta.statusCode).toBe(204);
    const entra = await scim.call('PATCH', `/Groups/${team.id}?excludedAttributes=members`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'displayName', value: 'Renamed' },
        { op: 'add', path: 'externalId', value: 'g-9' },
      ],
    });
    expect(entra.statusCode).toBe(200);
    expect(entra.json()).toMatchObject({ id: team.id, displayName: 'Renamed', externalId: 'g-9' });
    expect(entra.json()).not.toHaveProperty('members');
    const audit = (
      await h.request({ url: `/api/audit?target_id=${team.id}&action=team.updated`, session: scim.admin })
    ).json().items;
    expect(audit[0].details.changes).toEqual({
      name: { from: 'Test SCIMv20', to: 'Renamed' },
      external_id: { from: null, to: 'g-9' },
    });
  });

  it('applies a PATCH atomically and refuses what it may not do', async () => {
    const scim = await scimClient(h);
    const a = await person(scim);
    const team = await group(scim, { members: [{ value: a }] });
    const cases: [unknown[], string][] = [
      [
        [
          { op: 'Replace', path: 'displayName', value: 'Changed' },
          { op: 'add', path: 'members', value: [{ value: 'nope' }] },
        ],
        'invalidValue',
      ],
      [
        [{ op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] }],
        'invalidValue',
      ],
      [[{ op: 'add', path: 'members', value: [{ display: 'no value' }] }], 'invalidValue'],
      [[{ op: 'remove', path: 'displayName' }], 'invalidValue'],
      [[{ op: 'replace', path: 'id', value: '00000000-0000-4000-8000-000000000000' }], 'mutability'],
      [[{ op: 'replace', path: 'meta.lastModified', value: 'x' }], 'mutability'],
      [[{ op: 'remove', path: 'members[display eq "x"]' }], 'invalidPath'],
      [[{ op: 'add', path: `members[value eq "${a}"]`, value: [{ value: a }] }], 'invalidPath'],
      [[{ op: 'remove' }], 'noTarget'],
      [[{ op: 'Move', path: 'members' }], 'invalidSyntax'],
    ];
    for (const [operations, scimType] of cases) {
      const response = await patch(scim, team.id, operations);
      expect(response.statusCode, JSON.stringify(operations)).toBe(400);
      expect(scimError(response).scimType, JSON.stringify(operations)).toBe(scimType);
    }
    expect((await scim.call('GET', `/Groups/${team.id}`)).json()).toMatchObject({
      displayName: team.displayName,
      members: [{ value: a }],
    });
    const other = await group(scim);
    const clash = await patch(scim, team.id, [
      { op: 'replace', path: 'displayName', value: other.displayName },
    ]);
    expect(scimError(clash)).toMatchObject({
      status: '409',
      scimType: 'uniqueness',
      detail: `name: A team named "${other.displayName}" already exists.`,
    });
    expect(
      (await patch(scim, '00000000-0000-4000-8000-000000000000', [{ op: 'remove', path: 'members' }]))
        .statusCode,
    ).toBe(404);
  });

  it('replaces with PUT, keeping members when the body leaves them out, and service users always', async () => {
    const scim = await scimClient(h);
    const [a, b] = [await person(scim), await person(scim)];
    const team = await group(scim, { members: [{ value: a }] });
    const svc = await h.serviceUser();
    await h.request({
      method: 'PATCH',
      url: `/api/users/${svc.id}`,
      session: scim.admin,
      body: { team_ids: [team.id] },
    });
    const put = await scim.call('PUT', `/Groups/${team.id}`, {
      schemas: [GROUP],
      displayName: 'Put',
      members: [{ value: b }],
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().members.map((m: { value: string }) => m.value)).toEqual([b]);
    const kept = await scim.call('PUT', `/Groups/${team.id}`, { schemas: [GROUP], displayName: 'Put again' });
    expect(kept.json().members.map((m: { value: string }) => m.value)).toEqual([b]);
    const svcTeams = (await h.request({ url: `/api/users/${svc.id}`, session: scim.admin })).json().teams;
    expect(svcTeams.map((t: { name: string }) => t.name)).toEqual(['Public', 'Put again']);
    const other = await scim.call('PUT', `/Groups/${team.id}`, {
      id: '00000000-0000-4000-8000-000000000000',
      displayName: 'x',
    });
    expect(scimError(other).scimType).toBe('mutability');
  });

  it('deletes a team and its members lose it; Public can be neither deleted, renamed nor left', async () => {
    const scim = await scimClient(h);
    const a = await person(scim);
    const team = await group(scim, { members: [{ value: a }] });
    expect((await scim.call('DELETE', `/Groups/${team.id}`)).statusCode).toBe(204);
    expect((await scim.call('GET', `/Groups/${team.id}`)).statusCode).toBe(404);
    expect((await scim.call('DELETE', `/Groups/${team.id}`)).statusCode).toBe(404);
    expect(
      (await scim.call('GET', `/Users/${a}`)).json().groups.map((g: { display: string }) => g.display),
    ).toEqual(['Public']);
    const audit = (await h.request({ url: `/api/audit?target_id=${team.id}`, session: scim.admin })).json()
      .items;
    expect(audit[0]).toMatchObject({ action: 'team.deleted', details: { via: 'scim' } });

    const pub = await publicTeam(scim);
    for (const response of [
      await scim.call('DELETE', `/Groups/${pub.id}`),
      await patch(scim, pub.id, [{ op: 'replace', path: 'displayName', value: 'Everyone' }]),
      await patch(scim, pub.id, [{ op: 'remove', path: `members[value eq "${a}"]` }]),
      await patch(scim, pub.id, [{ op: 'replace', path: 'members', value: [{ value: a }] }]),
      await scim.call('PUT', `/Groups/${pub.id}`, { displayName: 'Public', members: [] }),
    ]) {
      expect(response.statusCode, response.body).toBe(400);
      expect(scimError(response).scimType).toBe('mutability');
    }
    expect(
      (await patch(scim, pub.id, [{ op: 'add', path: 'members', value: [{ value: a }] }])).statusCode,
    ).toBe(204);
    expect(await memberIds(scim, pub.id)).toContain(a);
  });

  it("carries a team's new name and a member's new team to their next token request", async () => {
    const scim = await scimClient(h);
    const member = await h.person();
    const { secret } = await h.generate(await h.signIn(member), { name: 'cli' });
    const team = await group(scim, { members: [{ value: member.id }] });
    const teamsHeader = async () =>
      (await h.request({ url: '/auth/check', token: secret })).headers['x-tessera-teams'];
    expect(await teamsHeader()).toBe(`Public,${team.displayName}`);
    await patch(scim, team.id, [{ op: 'replace', path: 'displayName', value: 'Zeta' }]);
    expect(await teamsHeader()).toBe('Public,Zeta');
    const second = await group(scim);
    await patch(scim, second.id, [{ op: 'add', path: 'members', value: [{ value: member.id }] }]);
    expect(await teamsHeader()).toBe(`Public,${second.displayName},Zeta`);
    await scim.call('DELETE', `/Groups/${team.id}`);
    await patch(scim, second.id, [{ op: 'remove', path: `members[value eq "${member.id}"]` }]);
    expect(await teamsHeader()).toBe('Public');
  });
});
