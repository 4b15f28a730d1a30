import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MINUTE } from '../support/clock.ts';
import { setupHarness } from '../support/harness.ts';
import { type ScimClient, scimCall, scimClient, scimError } from '../support/scim.ts';

// SCIM Users (RFC 7643, 7644) against a real app and database: mapping, every write, the quirks real
// providers send, deactivation with the console's effects, who may call, and the errors.
const h = setupHarness({ env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '0' } });

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const TESSERA = 'urn:ietf:params:scim:schemas:extension:tessera:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let counter = 0;
function oktaUser(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    schemas: [USER],
    userName: `person${counter}@example.com`,
    name: { givenName: 'Test', familyName: `User${counter}` },
    emails: [{ primary: true, value: `person${counter}@example.com`, type: 'work' }],
    displayName: `Test User${counter}`,
    locale: 'en-US',
    externalId: `00u${counter}`,
    groups: [],
    password: '1mz050nq',
    active: true,
    ...overrides,
  };
}

async function created(scim: ScimClient, overrides: Record<string, unknown> = {}) {
  const response = await scim.call('POST', '/Users', oktaUser(overrides));
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as Record<string, unknown> & { id: string; userName: string };
}

const patch = (scim: ScimClient, id: string, Operations: unknown[]) =>
  scim.call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations });

const filtered = (scim: ScimClient, filter: string, extra = '') =>
  scim.call('GET', `/Users?filter=${encodeURIComponent(filter)}${extra}`);

async function auditActions(targetId: string) {
  return h.database.handle.db
    .selectFrom('audit_events')
    .select(['action', 'actor_id', 'actor_token_id', 'details'])
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();
}

describe('SCIM discovery', () => {
  it('says truthfully what Tessera supports', async () => {
    const scim = await scimClient(h);
    const config = await scim.call('GET', '/ServiceProviderConfig');
    expect(config.statusCode).toBe(200);
    expect(config.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(config.json()).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 100 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken' }],
    });
    const types = (await scim.call('GET', '/ResourceTypes')).json();
    expect(types.Resources.map((t: { id: string }) => t.id)).toEqual(['User', 'Group']);
    expect((await scim.call('GET', '/ResourceTypes/user')).json().endpoint).toBe('/Users');
    const schemas = (await scim.call('GET', '/Schemas')).json();
    expect(schemas.totalResults).toBe(3);
    const user = (await scim.call('GET', `/Schemas/${USER}`)).json();
    expect(user.attributes.map((a: { name: string }) => a.name)).toContain('userName');
    scimError(await scim.call('GET', '/Schemas/urn:nope'));
    scimError(await scim.call('GET', '/Bulk'));
  });
});

describe('SCIM Users', () => {
  it("creates a person as Okta sends one: a Member in Public, audited as the token's service user via SCIM", async () => {
    const scim = await scimClient(h);
    const response = await scim.call('POST', '/Users', oktaUser({ userName: 'Test.User@okta.local' }));
    expect(response.statusCode, response.body).toBe(201);
    const user = response.json();
    expect(response.headers.location).toBe(`http://localhost:80/scim/v2/Users/${user.id}`);
    expect(user).toMatchObject({
      schemas: [USER, TESSERA],
      userName: 'Test.User@okta.local',
      name: { givenName: 'Test', familyName: `User${counter}` },
      displayName: `Test User${counter}`,
      externalId: `00u${counter}`,
      active: true,
      emails: [{ value: 'Test.User@okta.local', type: 'work', primary: true }],
      [TESSERA]: { role: 'member' },
      meta: { resourceType: 'User', location: response.headers.location },
    });
    expect(user.groups.map((g: { display: string }) => g.display)).toEqual(['Public']);
    expect(user).not.toHaveProperty('password');

    const account = (await h.request({ url: `/api/users/${user.id}`, session: scim.admin })).json();
    expect(account).toMatchObject({
      kind: 'human',
      email: 'Test.User@okta.local',
      name: `Test User${counter}`,
      role: 'member',
      status: 'active',
      external_id: `00u${counter}`,
      scim_updated_at: expect.any(String),
      teams: [{ name: 'Public' }],
    });
    const tokenId = (await h.request({ url: '/api/tokens?kind=service', session: scim.admin })).json()
      .items[0].id;
    expect(await auditActions(user.id)).toEqual([
      {
        action: 'account.created',
        actor_id: scim.serviceUser.id,
        actor_token_id: tokenId,
        details: { kind: 'human', role: 'member', via: 'scim' },
      },
    ]);
    // Nobody knows the password it was given: sending Okta's does not sign in.
    const signIn = await h.request({
      url: '/api/auth/login',
      body: { email: 'Test.User@okta.local', password: '1mz050nq' },
    });
    expect(signIn.statusCode).toBe(401);
  });

  it('takes the role from the Tessera extension, and a person created inactive', async () => {
    const scim = await scimClient(h);
    const admin = await created(scim, { [TESSERA]: { role: 'Admin' }, active: false });
    expect(admin[TESSERA]).toEqual({ role: 'admin' });
    expect(admin.active).toBe(false);
    const bad = await scim.call('POST', '/Users', oktaUser({ [TESSERA]: { role: 'owner' } }));
    expect(bad.statusCode).toBe(400);
    expect(scimError(bad)).toMatchObject({ scimType: 'invalidValue' });
  });

  it('answers 409 uniqueness for a userName taken in any case, and creates nothing', async () => {
    const scim = await scimClient(h);
    const first = await created(scim);
    const again = await scim.call('POST', '/Users', oktaUser({ userName: first.userName.toUpperCase() }));
    expect(again.statusCode).toBe(409);
    expect(scimError(again)).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const count = await h.database.handle.db
      .selectFrom('accounts')
      .select(sql<string>`count(*)`.as('n'))
      .where(sql<boolean>`lower(email) = lower(${first.userName})`)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('gives one 201 and one 409 to two POSTs of the same userName at once', async () => {
    const scim = await scimClient(h);
    const body = oktaUser();
    const responses = await Promise.all([
      scim.call('POST', '/Users', body),
      scim.call('POST', '/Users', body),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(scimError(responses.find((r) => r.statusCode === 409)!).scimType).toBe('uniqueness');
  });

  it('reads one person, and answers 404 for an unknown id, a service user and a malformed id', async () => {
    const scim = await scimClient(h);
    const user = await created(scim);
    const got = await scim.call('GET', `/Users/${user.id}`);
    expect(got.json()).toEqual(user);
    for (const id of [
      '00000000-0000-4000-8000-000000000000',
      scim.serviceUser.id,
      '00919288221112222',
      'x%27%20or%201%3D1',
    ]) {
      const missing = await scim.call('GET', `/Users/${id}`);
      expect(missing.statusCode, id).toBe(404);
      scimError(missing);
    }
  });

  it('finds by userName without case, returns an empty list (not 404) when absent, and counts with count=0', async () => {
    const scim = await scimClient(h);
    const user = await created(scim);
    const found = await filtered(scim, `userName eq "${user.userName.toUpperCase()}"`);
    expect(found.json()).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
      Resources: [{ id: user.id }],
    });
    const absent = await filtered(scim, 'userName eq "nobody@example.com"');
    expect(absent.statusCode).toBe(200);
    expect(absent.json()).toMatchObject({ totalResults: 0, Resources: [], itemsPerPage: 0 });
    const counted = await scim.call('GET', '/Users?count=0');
    expect(counted.json().totalResults).toBeGreaterThanOrEqual(2);
    expect(counted.json().Resources).toEqual([]);
  });

  it('lists people only: neither service users nor people SCIM deleted', async () => {
    const scim = await scimClient(h);
    const kept = await created(scim);
    const gone = await created(scim);
    expect((await scim.call('DELETE', `/Users/${gone.id}`)).statusCode).toBe(204);
    const all = (await scim.call('GET', '/Users')).json();
    const ids = all.Resources.map((r: { id: string }) => r.id);
    expect(ids).toContain(kept.id);
    expect(ids).not.toContain(gone.id);
    expect(ids).not.toContain(scim.serviceUser.id);
    expect(all.totalResults).toBe(ids.length);
  });

  it('replaces with PUT, without an id in the body, keeping the role and the active state it leaves out', async () => {
    const scim = await scimClient(h);
    const user = await created(scim, { [TESSERA]: { role: 'manager' } });
    const { id: _, meta: __, [TESSERA]: ___, active: ____, ...rest } = user;
    const put = await scim.call('PUT', `/Users/${user.id}`, {
      ...rest,
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      displayName: 'Another User',
      externalId: null,
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      name: { givenName: 'Another', familyName: 'User' },
      displayName: 'Another User',
      active: true,
      [TESSERA]: { role: 'manager' },
    });
    expect(put.json()).not.toHaveProperty('externalId');
    const other = await scim.call('PUT', `/Users/${user.id}`, {
      ...rest,
      id: '00000000-0000-4000-8000-000000000000',
    });
    expect(scimError(other)).toMatchObject({ status: '400', scimType: 'mutability' });
    const missing = await scim.call('PUT', '/Users/00000000-0000-4000-8000-000000000000', rest);
    expect(missing.statusCode).toBe(404);
  });

  it("applies Entra ID's and Okta's PATCH shapes", async () => {
    const scim = await scimClient(h);
    const user = await created(scim);

    // Entra ID without its compliance flag: a capitalised op, a boolean as a string.
    const entra = await patch(scim, user.id, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(entra.statusCode, entra.body).toBe(200);
    expect(entra.json().active).toBe(false);
    // Okta: no path, the attributes in the value.
    const okta = await patch(scim, user.id, [{ op: 'replace', value: { active: true } }]);
    expect(okta.json().active).toBe(true);

    // Entra ID's several attributes in one value, with dotted and URN keys; the enterprise extension
    // and the work email's replace are accepted and have no effect of their own.
    const several = await patch(scim, user.id, [
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
      {
        op: 'replace',
        value: {
          displayName: 'Bjfe',
          'name.givenName': 'Kkom',
          'name.familyName': 'Unua',
          [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
        },
      },
      { op: 'Add', path: 'manager', value: [{ $ref: null, value: '00aa00aa-bb11' }] },
      { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Sales' },
      { op: 'add', path: 'NAME.GIVENNAME', value: 'Kkom2' },
    ]);
    expect(several.statusCode, several.body).toBe(200);
    expect(several.json()).toMatchObject({
      userName: user.userName,
      displayName: 'Bjfe',
      name: { givenName: 'Kkom2', familyName: 'Unua' },
      emails: [{ value: user.userName }],
    });
    expect(several.json()).not.toHaveProperty(ENTERPRISE);

    const renamed = await patch(scim, user.id, [
      { op: 'Replace', path: 'userName', value: 'renamed@example.com' },
      { op: 'replace', path: `${TESSERA}:role`, value: 'manager' },
      { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:externalId', value: 'x-9' },
    ]);
    expect(renamed.json()).toMatchObject({
      userName: 'renamed@example.com',
      externalId: 'x-9',
      [TESSERA]: { role: 'manager' },
    });
    const removed = await patch(scim, user.id, [
      { op: 'remove', path: 'externalId' },
      { op: 'remove', path: 'name.familyName' },
    ]);
    expect(removed.json()).not.toHaveProperty('externalId');
    expect(removed.json().name).toEqual({ formatted: 'Kkom2', givenName: 'Kkom2' });
  });

  it('keeps a display name made of the name parts in step with them', async () => {
    const scim = await scimClient(h);
    const user = await created(scim, {
      displayName: undefined,
      name: { givenName: 'Grace', familyName: 'Brewster' },
    });
    expect(user.displayName).toBe('Grace Brewster');
    const married = await patch(scim, user.id, [{ op: 'replace', path: 'name.familyName', value: 'Hopper' }]);
    expect(married.json()).toMatchObject({
      displayName: 'Grace Hopper',
      name: { formatted: 'Grace Hopper' },
    });
    await patch(scim, user.id, [{ op: 'replace', path: 'displayName', value: 'Amazing Grace' }]);
    const kept = await patch(scim, user.id, [{ op: 'replace', path: 'name.givenName', value: 'G.' }]);
    expect(kept.json()).toMatchObject({ displayName: 'Amazing Grace', name: { formatted: 'G. Hopper' } });
  });

  it('applies a PATCH atomically: one bad operation and none is applied', async () => {
    const scim = await scimClient(h);
    const user = await created(scim);
    const response = await patch(scim, user.id, [
      { op: 'replace', path: 'displayName', value: 'Changed' },
      { op: 'replace', path: 'active', value: false },
      { op: 'replace', path: 'userName', value: 42 },
    ]);
    expect(scimError(response)).toMatchObject({ scimType: 'invalidValue' });
    expect((await scim.call('GET', `/Users/${user.id}`)).json()).toEqual(user);
    expect((await auditActions(user.id)).map((a) => a.action)).toEqual(['account.created']);
  });

  it('refuses what a PATCH may not do, each with its scimType', async () => {
    const scim = await scimClient(h);
    const user = await created(scim);
    const cases: [unknown, string][] = [
      [[{ op: 'remove' }], 'noTarget'],
      [[{ op: 'copy', path: 'active', value: true }], 'invalidSyntax'],
      [[{ op: 'replace', path: 'emails[type eq', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'name..givenName', value: 'x' }], 'invalidPath'],
      [[{ op: 'add', path: 'groups', value: [{ value: user.id }] }], 'mutability'],
      [[{ op: 'replace', path: 'id', value: '00000000-0000-4000-8000-000000000000' }], 'mutability'],
      [[{ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }], 'mutability'],
      [[{ op: 'replace', path: 'active', value: 'maybe' }], 'invalidValue'],
      [[{ op: 'replace', value: 'not an object' }], 'invalidValue'],
      [[{ op: 'add', path: 'displayName' }], 'invalidValue'],
      [[{ op: 'remove', path: 'userName' }], 'invalidValue'],
      [[{ op: 'replace', path: 'displayName', value: 'x'.repeat(101) }], 'invalidValue'],
      [[{ op: 'replace', path: 'emails[value sw "nobody"].type', value: 'home' }], 'noTarget'],
      [[], 'invalidSyntax'],
    ];
    for (const [operations, scimType] of cases) {
      const response = await patch(scim, user.id, operations as unknown[]);
      expect(response.statusCode, JSON.stringify(operations)).toBe(400);
      expect(scimError(response).scimType, JSON.stringify(operations)).toBe(scimType);
    }
    const noOperations = await scim.call('PATCH', `/Users/${user.id}`, { schemas: [PATCH] });
    expect(scimError(noOperations).scimType).toBe('invalidSyntax');
    expect((await scim.call('GET', `/Users/${user.id}`)).json()).toEqual(user);
    // The id itself may be sent, as Okta does.
    const same = await patch(scim, user.id, [
      { op: 'replace', value: { id: user.id, displayName: 'Same id' } },
    ]);
    expect(same.json().displayName).toBe('Same id');
  });

  it("deactivates with the console's effect: tokens answer owner_deactivated at once, sessions end", async () => {
    const scim = await scimClient(h);
    const person = await h.person({ email: 'leaver@example.com' });
    const session = await h.signIn(person);
    const { token, secret } = await h.generate(session, { name: 'CLI' });
    expect((await h.request({ url: '/api/me', token: secret })).statusCode).toBe(200); // now cached
    const response = await patch(scim, person.id, [{ op: 'replace', value: { active: false } }]);
    expect(response.json().active).toBe(false);
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('owner_deactivated');
    expect((await h.request({ url: '/api/me', session })).statusCode).toBe(401);
    const row = await h.database.handle.db
      .selectFrom('tokens')
      .select(['revoked_reason', 'revoked_at'])
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_reason).toBe('owner deactivated');
    expect(await auditActions(token.id)).toEqual([
      expect.objectContaining({ action: 'token.created' }),
      expect.objectContaining({
        action: 'token.revoked',
        actor_id: scim.serviceUser.id,
        details: { reason: 'owner deactivated', by: 'system', via: 'scim' },
      }),
    ]);
    const accountActions = (await auditActions(person.id)).filter((a) => a.action.startsWith('account.'));
    expect(accountActions.map((a) => [a.action, a.details.via])).toEqual([
      ['account.created', undefined],
      ['account.deactivated', 'scim'],
    ]);

    // Reactivation restores no token.
    const back = await patch(scim, person.id, [{ op: 'Replace', path: 'active', value: 'True' }]);
    expect(back.json().active).toBe(true);
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('token_revoked');
    expect((await auditActions(person.id)).at(-1)).toMatchObject({
      action: 'account.reactivated',
      details: { via: 'scim' },
    });
  });

  it('reads active: false for a person an Admin deactivated in the console', async () => {
    const scim = await scimClient(h);
    const user = await created(scim);
    await h.request({ method: 'POST', url: `/api/users/${user.id}/deactivate`, session: scim.admin });
    expect((await scim.call('GET', `/Users/${user.id}`)).json().active).toBe(false);
    expect(
      (await filtered(scim, `userName eq "${user.userName}" and active eq false`)).json().totalResults,
    ).toBe(1);
  });

  it('keeps the last active Admin and an Admin token its own account', async () => {
    const scim = await scimClient(h);
    await h.database.handle.db
      .updateTable('accounts')
      .set({ role: 'member' })
      .where('id', '=', scim.admin.account.id)
      .execute();
    const admin = await h.person({ role: 'admin' });
    const last = await patch(scim, admin.id, [{ op: 'replace', path: 'active', value: false }]);
    expect(last.statusCode).toBe(409);
    expect(scimError(last).detail).toMatch(/last active person with the Admin role/);
    const demote = await patch(scim, admin.id, [{ op: 'replace', path: `${TESSERA}:role`, value: 'member' }]);
    expect(demote.statusCode).toBe(409);
    const deleted = await scim.call('DELETE', `/Users/${admin.id}`);
    expect(deleted.statusCode).toBe(409);
    // An Admin's own token may call SCIM, but not deactivate its owner.
    const { secret } = await h.generate(await h.signIn(admin), { name: 'admin cli' });
    const own = await scimCall(h, secret, 'PATCH', `/Users/${admin.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(own.statusCode).toBe(409);
    expect(scimError(own).detail).toMatch(/your own account/);
  });

  it('deletes: deactivated, then 404 to SCIM, kept by the console; a later create brings the person back', async () => {
    const scim = await scimClient(h);
    const person = await h.person({ email: 'deleted@example.com' });
    const { secret } = await h.generate(await h.signIn(person), { name: 'CLI' });
    expect((await scim.call('DELETE', `/Users/${person.id}`)).statusCode).toBe(204);
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('owner_deactivated');
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', oktaUser()],
      ['PATCH', { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] }],
      ['DELETE', undefined],
    ] as const) {
      const response = await scim.call(method, `/Users/${person.id}`, body);
      expect(response.statusCode, method).toBe(404);
      scimError(response);
    }
    expect((await filtered(scim, 'userName eq "deleted@example.com"')).json().totalResults).toBe(0);
    const console = (await h.request({ url: `/api/users/${person.id}`, session: scim.admin })).json();
    expect(console).toMatchObject({ status: 'deactivated', scim_updated_at: expect.any(String) });
    const accountActions = async () =>
      (await auditActions(person.id)).map((a) => a.action).filter((a) => a.startsWith('account.'));
    expect(await accountActions()).toEqual([
      'account.created',
      'account.deactivated',
      'account.deprovisioned',
    ]);

    const back = await scim.call('POST', '/Users', oktaUser({ userName: 'DELETED@example.com' }));
    expect(back.statusCode, back.body).toBe(201);
    expect(back.json()).toMatchObject({ id: person.id, userName: 'DELETED@example.com', active: true });
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('token_revoked');
    expect((await accountActions()).slice(3)).toEqual([
      'account.updated',
      'account.reactivated',
      'account.reprovisioned',
    ]);
  });

  it("keeps a provisioned person's name and email the provider's in the console, not their role", async () => {
    const scim = await scimClient(h);
    const user = await created(scim);
    const rename = await h.request({
      method: 'PATCH',
      url: `/api/users/${user.id}`,
      session: scim.admin,
      body: { name: 'Mine now' },
    });
    expect(rename.statusCode).toBe(409);
    expect(rename.json()).toMatchObject({ code: 'managed_by_scim', details: { field: 'name' } });
    const role = await h.request({
      method: 'PATCH',
      url: `/api/users/${user.id}`,
      session: scim.admin,
      body: { role: 'manager', name: user.displayName },
    });
    expect(role.statusCode, role.body).toBe(200);
    expect((await scim.call('GET', `/Users/${user.id}`)).json()[TESSERA].role).toBe('manager');
    // A person added in the console is not the provider's until SCIM writes to them.
    const mine = await h.person();
    expect(
      (
        await h.request({
          method: 'PATCH',
          url: `/api/users/${mine.id}`,
          session: scim.admin,
          body: { name: 'Renamed' },
        })
      ).statusCode,
    ).toBe(200);
    expect((await scim.call('GET', `/Users/${mine.id}`)).json().name).toEqual({
      formatted: 'Renamed',
      givenName: 'Renamed',
    });
  });

  it('returns the attributes asked for, and leaves out the excluded ones', async () => {
    const scim = await scimClient(h);
    const user = await created(scim);
    const only = (
      await scim.call('GET', `/Users/${user.id}?attributes=userName,name.familyName,${TESSERA}:role`)
    ).json();
    expect(only).toEqual({
      schemas: [USER, TESSERA],
      id: user.id,
      userName: user.userName,
      name: { familyName: (user.name as { familyName: string }).familyName },
      [TESSERA]: { role: 'member' },
    });
    const without = (
      await scim.call(
        'GET',
        `/Users?filter=${encodeURIComponent(`id eq "${user.id}"`)}&excludedAttributes=groups,meta,name.givenName`,
      )
    ).json();
    expect(without.Resources[0]).not.toHaveProperty('groups');
    expect(without.Resources[0]).not.toHaveProperty('meta');
    expect(without.Resources[0].name).not.toHaveProperty('givenName');
    expect(without.Resources[0].userName).toBe(user.userName);
  });
});

describe('SCIM Users: who may call', () => {
  it("admits SCIM-only tokens and Admins' tokens, and refuses everyone else in SCIM's shape", async () => {
    const scim = await scimClient(h);
    const admin = await h.session('admin');
    const member = await h.session('member');
    const manager = await h.session('manager');
    const adminToken = (await h.generate(admin, { name: 'admin' })).secret;
    const memberToken = (await h.generate(member, { name: 'member' })).secret;
    const managerToken = (await h.generate(manager, { name: 'manager' })).secret;
    expect((await scimCall(h, adminToken, 'GET', '/Users')).statusCode).toBe(200);
    expect((await scim.call('GET', '/Users')).statusCode).toBe(200);
    for (const secret of [memberToken, managerToken]) {
      const refused = await scimCall(h, secret, 'GET', '/Users');
      expect(refused.statusCode).toBe(403);
      scimError(refused);
    }
    // A console session, even an Admin's, is not how SCIM is called.
    const withSession = await h.request({ url: '/scim/v2/Users', session: admin });
    expect(withSession.statusCode).toBe(403);
    scimError(withSession);
    const anonymous = await h.request({ url: '/scim/v2/Users' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="tessera"/);
    expect(scimError(anonymous).status).toBe('401');
    const bad = await scimCall(h, 'tsr_pat_notatoken', 'GET', '/Users');
    expect(bad.statusCode).toBe(401);
    scimError(bad);
    // The SCIM-only token may call nothing else.
    for (const url of ['/api/me', '/api/users', '/api/tokens?kind=personal', '/auth/check']) {
      const outside = await h.request({ url, token: scim.secret });
      expect(outside.statusCode, url).toBe(403);
      expect(outside.json().code, url).toBe('insufficient_scope');
    }
  });
});

describe('SCIM errors', () => {
  it("answers bodies it cannot take in SCIM's shape: too large, not JSON, not a User", async () => {
    const scim = await scimClient(h);
    const large = await scim.call(
      'POST',
      '/Users',
      JSON.stringify(oktaUser({ title: 'x'.repeat(1024 * 1024) })),
    );
    expect(large.statusCode).toBe(413);
    scimError(large);
    const broken = await scim.call('POST', '/Users', '{"userName": ');
    expect(scimError(broken)).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    const plain = await scimCall(h, scim.secret, 'POST', '/Users', 'userName=x', 'text/plain');
    expect(plain.statusCode).toBe(415);
    scimError(plain);
    const json = await scimCall(
      h,
      scim.secret,
      'POST',
      '/Users',
      oktaUser(),
      'application/json; charset=utf-8',
    );
    expect(json.statusCode).toBe(201);
    const charset = await scimCall(
      h,
      scim.secret,
      'POST',
      '/Users',
      oktaUser(),
      'application/scim+json; charset=utf-8',
    );
    expect(charset.statusCode).toBe(201);
    for (const body of [
      [],
      'x',
      { name: {} },
      { userName: '' },
      { userName: 42 },
      { userName: 'a@b.c', name: 'x' },
      { userName: 'a\u0000@b.c' },
    ]) {
      const response = await scim.call('POST', '/Users', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(['invalidValue', 'invalidSyntax']).toContain(scimError(response).scimType);
    }
    const nested = await scim.call(
      'POST',
      '/Users',
      oktaUser({ title: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) }),
    );
    expect(nested.statusCode).toBe(400);
    scimError(nested);
    const paging = await scim.call('GET', '/Users?count=abc');
    expect(scimError(paging).scimType).toBe('invalidValue');
  });
});

describe('SCIM filters', () => {
  async function world(scim: ScimClient) {
    const ada = await created(scim, {
      userName: 'ada@example.com',
      displayName: 'Ada Lovelace',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      externalId: 'ext-ada',
    });
    h.clock.advance(10 * MINUTE);
    const bob = await created(scim, {
      userName: 'bob@example.org',
      displayName: 'Bob Byron',
      name: { givenName: 'Bob', familyName: 'Byron' },
      externalId: 'EXT-bob',
      active: false,
    });
    h.clock.advance(10 * MINUTE);
    const cy = await created(scim, {
      userName: 'cy@example.com',
      displayName: 'Cy',
      name: null,
      externalId: null,
      [TESSERA]: { role: 'admin' },
    });
    return { ada, bob, cy };
  }

  it('compares with every operator, on every attribute providers send', async () => {
    const scim = await scimClient(h);
    const { ada, bob, cy } = await world(scim);
    const mid = new Date(Date.parse(String((bob.meta as { created: string }).created))).toISOString();
    const ids = async (filter: string) => {
      const response = await filtered(scim, filter);
      expect(response.statusCode, `${filter}: ${response.body}`).toBe(200);
      const found = response.json().Resources.map((r: { id: string }) => r.id) as string[];
      return [ada, bob, cy].filter((u) => found.includes(u.id)).map((u) => u.userName.split('@')[0]);
    };
    const cases: [string, string[]][] = [
      ['userName eq "ADA@example.com"', ['ada']],
      ['USERNAME Eq "ada@example.com"', ['ada']],
      [`${USER}:userName eq "ada@example.com"`, ['ada']],
      ['userName ne "ada@example.com"', ['bob', 'cy']],
      ['userName co "EXAMPLE"', ['ada', 'bob', 'cy']],
      ['userName co "@example.com"', ['ada', 'cy']],
      ['userName sw "B"', ['bob']],
      ['userName ew ".org"', ['bob']],
      ['userName gt "b"', ['bob', 'cy']],
      ['userName pr', ['ada', 'bob', 'cy']],
      ['externalId eq "ext-ada"', ['ada']],
      ['externalId eq "ext-bob"', []],
      ['externalId pr', ['ada', 'bob']],
      ['not (externalId pr)', ['cy']],
      ['externalId ne "ext-ada"', ['bob', 'cy']],
      ['not (externalId eq "ext-ada")', ['bob', 'cy']],
      ['emails.value eq "bob@example.org"', ['bob']],
      ['emails eq "bob@example.org"', ['bob']],
      ['emails[type eq "work"].value eq "cy@example.com"', ['cy']],
      ['emails[type eq "work" and value co "ada"]', ['ada']],
      ['emails[type eq "home"]', []],
      ['emails[primary eq true]', ['ada', 'bob', 'cy']],
      ['active eq true', ['ada', 'cy']],
      ['active eq false', ['bob']],
      ['active ne true', ['bob']],
      ['displayName eq "ada lovelace"', ['ada']],
      ['displayName co "y"', ['bob', 'cy']],
      ['name.familyName eq "Byron"', ['bob']],
      ['name.givenName sw "a"', ['ada']],
      [`meta.lastModified gt "${mid}"`, ['cy']],
      [`meta.lastModified ge "${mid}"`, ['bob', 'cy']],
      [`meta.created lt "${mid}"`, ['ada']],
      [`meta.created le "${mid}"`, ['ada', 'bob']],
      [`not (meta.created le "${mid}")`, ['cy']],
      [`${TESSERA}:role eq "admin"`, ['cy']],
      ['userName eq "ada@example.com" or userName eq "cy@example.com"', ['ada', 'cy']],
      ['active eq true and (displayName sw "Ada" or userName sw "cy")', ['ada', 'cy']],
      ['userName co "example" and not (active eq false or externalId pr)', ['cy']],
      ['(((userName eq "bob@example.org")))', ['bob']],
      [`id eq "${bob.id}"`, ['bob']],
      ['id eq "not-a-uuid"', []],
      [`groups.value eq "${(ada.groups as { value: string }[])[0]!.value}"`, ['ada', 'bob', 'cy']],
      ['userName eq "x\\" or 1=1 --"', []],
      ['userName eq "\'; drop table accounts; --"', []],
    ];
    for (const [filter, expected] of cases) expect(await ids(filter), filter).toEqual(expected);
    expect((await filtered(scim, 'userName sw "a"', '&count=1')).json()).toMatchObject({
      totalResults: 1,
      itemsPerPage: 1,
    });
  });

  it('refuses hostile and unknown filters with 400 invalidFilter, fast', async () => {
    const scim = await scimClient(h);
    await created(scim);
    const hostile = [
      `userName eq "${'a'.repeat(10_000)}"`,
      `${'('.repeat(200)}userName eq "a"${')'.repeat(200)}`,
      `${'not ('.repeat(200)}userName eq "a"${')'.repeat(200)}`,
      `userName eq "${'\n'.repeat(30)}`,
      Array.from({ length: 60 }, (_, i) => `userName eq "u${i}"`).join(' or '),
      'title eq "Engineer"',
      'password eq "x"',
      'userName eq x; drop table accounts',
      'userName eq',
      'userName xx "a"',
      '"',
      'emails[type eq "work"',
      'active eq "maybe"',
      'active gt true',
      'meta.lastModified gt "yesterday"',
      'meta.created co "2026"',
      'emails[value eq "a" and x[y eq 1]]',
      'id co "a"',
    ];
    for (const filter of hostile) {
      const started = performance.now();
      const response = await filtered(scim, filter);
      const elapsed = performance.now() - started;
      expect(response.statusCode, filter.slice(0, 60)).toBe(400);
      expect(scimError(response).scimType, filter.slice(0, 60)).toBe('invalidFilter');
      expect(elapsed, filter.slice(0, 60)).toBeLessThan(1000);
    }
    expect((await scim.call('GET', '/Users')).statusCode).toBe(200);
  });

  it('becomes SQL that the indexes serve', async () => {
    const { filterCondition, parseFilter } = await import('../../src/scim/filter.ts');
    const { USER_COLUMNS } = await import('../../src/scim/queries.ts');
    const plans: Record<string, string> = {
      'userName eq "a@example.com"': 'accounts_human_email_key',
      'externalId eq "x"': 'accounts_external_id_idx',
      'meta.lastModified gt "2025-04-01T00:00:00Z"': 'accounts_updated_at_idx',
      'displayName co "lovelace"': 'accounts_search_gist_idx',
    };
    // Enough people, with statistics, that the planner weighs the indexes as it would in use.
    await sql`
      insert into accounts (kind, email, name, role, password_hash, external_id, updated_at)
      select 'human', 'plan' || n || '@example.com', 'Person ' || n, 'member', 'x', 'ext-' || n,
             timestamptz '2025-01-01' + n * interval '1 hour'
      from generate_series(1, 3000) n`.execute(h.database.handle.db);
    await sql`analyze accounts`.execute(h.database.handle.db);
    for (const [filter, index] of Object.entries(plans)) {
      const plan = await h.database.handle.db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const condition = filterCondition('User', parseFilter(filter), USER_COLUMNS);
        const rows = await trx
          .selectFrom('accounts as a')
          .select('a.id')
          .where(sql<boolean>`a.kind = 'human'`)
          .where(condition)
          .explain();
        return rows.map((row) => Object.values(row).join(' ')).join('\n');
      });
      expect(plan, filter).toContain(index);
    }
  });

  it('pages through over 1,000 people, each exactly once', { timeout: 120_000 }, async () => {
    const scim = await scimClient(h);
    await sql`
      insert into accounts (kind, email, name, role, password_hash, created_at)
      select 'human', 'bulk' || n || '@example.com', 'Bulk ' || n, 'member', 'x',
             timestamptz '2026-01-01' + (n % 7) * interval '1 second'
      from generate_series(1, 1050) n`.execute(h.database.handle.db);
    const total = (await scim.call('GET', '/Users?count=0')).json().totalResults as number;
    expect(total).toBeGreaterThanOrEqual(1050);
    const seen: string[] = [];
    for (let start = 1; start <= total; start += 97) {
      const page = (await scim.call('GET', `/Users?startIndex=${start}&count=97`)).json();
      expect(page.totalResults).toBe(total);
      expect(page.startIndex).toBe(start);
      seen.push(...page.Resources.map((r: { id: string }) => r.id));
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const filteredTotal = (await filtered(scim, 'userName sw "bulk1"', '&count=100')).json();
    expect(filteredTotal.totalResults).toBe(1 + 10 + 100 + 51);
    expect(filteredTotal.Resources).toHaveLength(100);
    // Past the end: an empty page, not an error.
    expect((await scim.call('GET', `/Users?startIndex=${total + 1}`)).json()).toMatchObject({
      Resources: [],
      totalResults: total,
    });
  });
});
