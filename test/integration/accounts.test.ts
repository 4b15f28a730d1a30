import { describe, expect, it } from 'vitest';
import { type Session, setupHarness } from '../support/harness.ts';

const h = setupHarness();

describe('service users', () => {
  it('get an internal ID <slug>@service from the name, or from internal_id', async () => {
    const admin = await h.session('admin');
    const fromName = await h.request({
      url: '/api/service-users',
      session: admin,
      body: { name: 'svc-airflow', email: 'svc-airflow@example.com' },
    });
    expect(fromName.statusCode).toBe(201);
    expect(fromName.json()).toMatchObject({
      kind: 'service',
      name: 'svc-airflow',
      email: 'svc-airflow@example.com',
      internal_id: 'svc-airflow@service',
      role: 'member',
      status: 'active',
      teams: [{ name: 'Public' }],
      last_active_at: null,
      active_token_count: 0,
    });
    const underscore = await h.request({
      url: '/api/service-users',
      session: admin,
      body: { name: 'svc_airflow' },
    });
    expect(underscore.json().internal_id).toBe('svc_airflow@service');
    const spaced = await h.request({
      url: '/api/service-users',
      session: admin,
      body: { name: 'Airflow DAG Runner' },
    });
    expect(spaced.json().internal_id).toBe('airflow-dag-runner@service');
    // Neither name nor email: the internal ID is what identifies it.
    const bare = await h.request({
      url: '/api/service-users',
      session: admin,
      body: { internal_id: 'svc-legacy-etl@service' },
    });
    expect(bare.json()).toMatchObject({ name: null, email: null, internal_id: 'svc-legacy-etl@service' });
  });

  it('answers 409 when the internal ID is taken, however the name is written', async () => {
    const admin = await h.session('admin');
    await h.request({ url: '/api/service-users', session: admin, body: { name: 'svc-airflow' } });
    for (const body of [{ name: 'SVC Airflow' }, { name: 'svc airflow' }, { internal_id: 'svc-airflow' }]) {
      const response = await h.request({ url: '/api/service-users', session: admin, body });
      expect(response.statusCode, JSON.stringify(body)).toBe(409);
      expect(response.json()).toMatchObject({
        code: 'internal_id_taken',
        details: { internal_id: 'svc-airflow@service' },
      });
    }
  });

  it.each([
    [{}, 'name'],
    [{ name: '!!!' }, 'name'],
    [{ internal_id: '@service' }, 'internal_id'],
    [{ name: 'デプロイ', internal_id: 'デプロイ' }, 'internal_id'],
    [{ name: 'ok', email: 'not an email' }, 'email'],
    [{ name: 'ok', role: 'owner' }, 'role'],
    [{ name: 'ok', team_ids: ['00000000-0000-4000-8000-000000000000'] }, 'team_ids'],
    [{ name: 'ok', avatar_url: 'javascript:alert(1)' }, 'avatar_url'],
    [{ name: 'ok', password: 'service users never sign in' }, 'password'],
  ])('rejects %j naming %s, and creates nothing', async (body, field) => {
    const admin = await h.session('admin');
    const response = await h.request({ url: '/api/service-users', session: admin, body });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.field).toBe(field);
    const list = (await h.request({ url: '/api/users?kind=service', session: admin })).json();
    expect(list.items).toEqual([]);
  });

  it('may be named in any script; a name with nothing to keep in a-z gets a short random internal ID', async () => {
    const admin = await h.session('admin');
    const ids = new Set<string>();
    for (const name of ['デプロイ', 'نشر التطبيق', 'デプロイ']) {
      const response = await h.request({ url: '/api/service-users', session: admin, body: { name } });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json().name).toBe(name);
      const internalId = response.json().internal_id as string;
      expect(internalId).toMatch(/^svc-[a-z2-9]{4}@service$/);
      ids.add(internalId);
    }
    expect(ids.size).toBe(3);
    // Latin letters among others are kept: the ID is made of them.
    const mixed = await h.request({
      url: '/api/service-users',
      session: admin,
      body: { name: 'Zoë デプロイ 2' },
    });
    expect(mixed.json().internal_id).toBe('zoe-2@service');
  });

  it('are created by Admins only', async () => {
    const manager = await h.session('manager');
    expect(
      (await h.request({ url: '/api/service-users', session: manager, body: { name: 'x' } })).statusCode,
    ).toBe(403);
  });
});

describe('people', () => {
  it('are created by an Admin, with a generated password when none is given', async () => {
    const admin = await h.session('admin');
    const response = await h.request({
      url: '/api/users',
      session: admin,
      body: { email: 'new@example.com', name: 'New Person', role: 'manager' },
    });
    expect(response.statusCode).toBe(201);
    const { account, initial_password } = response.json();
    expect(account).toMatchObject({
      kind: 'human',
      email: 'new@example.com',
      role: 'manager',
      internal_id: null,
    });
    expect(initial_password).toMatch(/^[\w-]{20}$/);
    const signIn = await h.request({
      url: '/api/auth/login',
      body: { email: 'NEW@example.com', password: initial_password },
    });
    expect(signIn.statusCode).toBe(200);
  });

  it('have unique emails, ignoring case', async () => {
    const admin = await h.session('admin');
    await h.request({
      url: '/api/users',
      session: admin,
      body: { email: 'dup@example.com', password: 'a long enough password' },
    });
    const again = await h.request({
      url: '/api/users',
      session: admin,
      body: { email: 'DUP@example.com', password: 'a long enough password' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'email_taken', details: { field: 'email' } });
  });

  it('need a password of 12 characters or more', async () => {
    const admin = await h.session('admin');
    const response = await h.request({
      url: '/api/users',
      session: admin,
      body: { email: 'p@example.com', password: 'short' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.field).toBe('password');
  });
});

describe('editing accounts', () => {
  it('changes role, teams and name; everyone stays in Public', async () => {
    const admin = await h.session('admin');
    const team = (await h.request({ url: '/api/teams', session: admin, body: { name: 'Analytics' } })).json();
    const person = await h.person();
    const response = await h.request({
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      session: admin,
      body: { role: 'manager', team_ids: [team.id], name: 'Renamed' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ role: 'manager', name: 'Renamed' });
    expect(response.json().teams.map((t: { name: string }) => t.name)).toEqual(['Analytics', 'Public']);
    const cleared = await h.request({
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      session: admin,
      body: { team_ids: [] },
    });
    expect(cleared.json().teams.map((t: { name: string }) => t.name)).toEqual(['Public']);
    const events = (
      await h.request({ url: `/api/audit?target_id=${person.id}&action=account.updated`, session: admin })
    ).json().items;
    expect(events[1].details.changes).toEqual({
      name: { from: person.name, to: 'Renamed' },
      role: { from: 'member', to: 'manager' },
      teams: { from: 'Public', to: 'Analytics, Public' },
    });
  });

  it('lets nobody change their own role', async () => {
    const admin = await h.session('admin');
    const response = await h.request({
      method: 'PATCH',
      url: `/api/users/${admin.account.id}`,
      session: admin,
      body: { role: 'member' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('own_role');
    // Sending one's current role unchanged is not a change.
    expect(
      (
        await h.request({
          method: 'PATCH',
          url: `/api/users/${admin.account.id}`,
          session: admin,
          body: { role: 'admin', name: 'Me' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('is for Admins only, and a person keeps an email', async () => {
    const manager = await h.session('manager');
    const admin = await h.session('admin');
    const person = await h.person();
    expect(
      (
        await h.request({
          method: 'PATCH',
          url: `/api/users/${person.id}`,
          session: manager,
          body: { name: 'x' },
        })
      ).statusCode,
    ).toBe(403);
    const noEmail = await h.request({
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      session: admin,
      body: { email: null },
    });
    expect(noEmail.statusCode).toBe(400);
    expect(noEmail.json().details.field).toBe('email');
  });
});

describe('deactivating and reactivating', () => {
  it('refuses a service user with active tokens, naming how many', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser({ name: 'svc-airflow' });
    const { token } = await h.generate(admin, { name: 'one', kind: 'service', service_user_id: svc.id });
    await h.generate(admin, { name: 'two', kind: 'service', service_user_id: svc.id });
    const refused = await h.request({
      method: 'POST',
      url: `/api/users/${svc.id}/deactivate`,
      session: admin,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      code: 'active_tokens',
      message: 'svc-airflow@service still has 2 active tokens. Revoke them first, then deactivate.',
      details: { active_tokens: 2 },
    });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session: admin, body: {} });
    expect(
      (await h.request({ method: 'POST', url: `/api/users/${svc.id}/deactivate`, session: admin })).json()
        .details.active_tokens,
    ).toBe(1);
  });

  it('deactivates a service user without active tokens, whose tokens then fail', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    const { token } = await h.generate(admin, { name: 'one', kind: 'service', service_user_id: svc.id });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session: admin, body: {} });
    const response = await h.request({
      method: 'POST',
      url: `/api/users/${svc.id}/deactivate`,
      session: admin,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'deactivated',
      deactivated_at: '2026-11-22T12:00:00.000Z',
    });
  });

  it('revokes a person\'s active tokens with the reason "owner deactivated", and reactivation restores none', async () => {
    const admin = await h.session('admin');
    const person = await h.person();
    const session = await h.signIn(person);
    const { token: active, secret } = await h.generate(session, { name: 'active' });
    const { token: revoked } = await h.generate(session, { name: 'already revoked' });
    await h.request({ url: `/api/tokens/${revoked.id}/revoke`, session, body: { reason: 'mine' } });
    const response = await h.request({
      method: 'POST',
      url: `/api/users/${person.id}/deactivate`,
      session: admin,
    });
    expect(response.statusCode).toBe(200);
    const rows = await h.database.handle.db
      .selectFrom('tokens')
      .select(['id', 'revoked_reason', 'revoked_by'])
      .where('owner_id', '=', person.id)
      .orderBy('name')
      .execute();
    expect(rows).toEqual([
      { id: active.id, revoked_reason: 'owner deactivated', revoked_by: null },
      { id: revoked.id, revoked_reason: 'mine', revoked_by: person.id },
    ]);
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('owner_deactivated');
    const signIn = await h.request({
      url: '/api/auth/login',
      body: { email: person.email, password: 'correct horse battery staple' },
    });
    expect(signIn.statusCode).toBe(401);

    const reactivated = await h.request({
      method: 'POST',
      url: `/api/users/${person.id}/reactivate`,
      session: admin,
    });
    expect(reactivated.json()).toMatchObject({ status: 'active', active_token_count: 0 });
    // Still revoked, and now for no other reason.
    expect((await h.request({ url: '/api/me', token: secret })).json().code).toBe('token_revoked');
    expect((await h.signIn(person)).cookie).toBeTruthy();
    const actions = (await h.request({ url: `/api/audit?target_id=${active.id}`, session: admin })).json()
      .items;
    expect(actions[0]).toMatchObject({
      action: 'token.revoked',
      details: { reason: 'owner deactivated', by: 'system' },
    });
  });

  it('answers 409 for an account already in that state, and for oneself', async () => {
    const admin = await h.session('admin');
    const person = await h.person();
    expect(
      (await h.request({ method: 'POST', url: `/api/users/${person.id}/reactivate`, session: admin })).json()
        .code,
    ).toBe('not_deactivated');
    await h.request({ method: 'POST', url: `/api/users/${person.id}/deactivate`, session: admin });
    expect(
      (await h.request({ method: 'POST', url: `/api/users/${person.id}/deactivate`, session: admin })).json()
        .code,
    ).toBe('already_deactivated');
    expect(
      (
        await h.request({ method: 'POST', url: `/api/users/${admin.account.id}/deactivate`, session: admin })
      ).json().code,
    ).toBe('own_account');
    expect(
      (
        await h.request({
          method: 'POST',
          url: '/api/users/00000000-0000-4000-8000-000000000000/deactivate',
          session: admin,
        })
      ).statusCode,
    ).toBe(404);
  });
});

describe('the last Admin', () => {
  // Nobody demotes or deactivates themselves (own_role, own_account, above), so a lone Admin can lose
  // the role only to a service user's token with the Admin role, or to another Admin acting at the
  // same moment (races.test.ts).
  async function adminServiceToken(admin: Session) {
    const owner = await h.serviceUser({ role: 'admin' });
    const created = await h.generate(admin, {
      name: 'automation',
      kind: 'service',
      service_user_id: owner.id,
    });
    return created.secret;
  }
  const demote = (id: string, token: string, role = 'member') =>
    h.request({ method: 'PATCH', url: `/api/users/${id}`, token, body: { role } });
  const deactivate = (id: string, token: string) =>
    h.request({ method: 'POST', url: `/api/users/${id}/deactivate`, token });

  it('is neither demoted nor deactivated, even by a service user with the Admin role', async () => {
    const admin = await h.session('admin');
    // Neither a deactivated Admin nor a service user with the role counts.
    const gone = await h.person({ role: 'admin' });
    await h.request({ method: 'POST', url: `/api/users/${gone.id}/deactivate`, session: admin });
    const secret = await adminServiceToken(admin);
    for (const role of ['manager', 'member']) {
      const response = await demote(admin.account.id, secret, role);
      expect(response.statusCode).toBe(409);
      expect(response.json()).toEqual({
        code: 'last_admin',
        message: `${admin.account.email} is the last active person with the Admin role. Make someone else an Admin first, then change their role.`,
      });
    }
    const deactivation = await deactivate(admin.account.id, secret);
    expect(deactivation.statusCode).toBe(409);
    expect(deactivation.json()).toEqual({
      code: 'last_admin',
      message: `${admin.account.email} is the last active person with the Admin role. Make someone else an Admin first, then deactivate them.`,
    });
    const after = (await h.request({ url: `/api/users/${admin.account.id}`, session: admin })).json();
    expect(after).toMatchObject({ role: 'admin', status: 'active' });
    const recorded = await h.database.handle.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', admin.account.id)
      .where('action', 'in', ['account.updated', 'account.deactivated'])
      .execute();
    expect(recorded).toEqual([]);
    // Any other change to the last Admin goes through.
    expect(
      (
        await h.request({
          method: 'PATCH',
          url: `/api/users/${admin.account.id}`,
          token: secret,
          body: { name: 'Still here' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('may go once another person is an active Admin', async () => {
    const admin = await h.session('admin');
    const secret = await adminServiceToken(admin);
    const second = await h.person({ role: 'admin' });
    expect((await demote(admin.account.id, secret)).statusCode).toBe(200);
    // Now the second is the last one.
    expect((await deactivate(second.id, secret)).json().code).toBe('last_admin');
    expect((await demote(admin.account.id, secret, 'admin')).statusCode).toBe(200);
    expect((await deactivate(second.id, secret)).statusCode).toBe(200);
  });

  it('does not protect the last service user with the Admin role, which signs in nowhere', async () => {
    const admin = await h.session('admin');
    const owner = await h.serviceUser({ role: 'admin' });
    const response = await h.request({
      method: 'PATCH',
      url: `/api/users/${owner.id}`,
      session: admin,
      body: { role: 'member' },
    });
    expect(response.statusCode).toBe(200);
    const other = await h.serviceUser({ role: 'admin' });
    expect(
      (await h.request({ method: 'POST', url: `/api/users/${other.id}/deactivate`, session: admin }))
        .statusCode,
    ).toBe(200);
  });
});

describe('listing accounts', () => {
  it('is open to Managers and Admins, not Members', async () => {
    expect((await h.request({ url: '/api/users', session: await h.session('member') })).statusCode).toBe(403);
    expect((await h.request({ url: '/api/users', session: await h.session('manager') })).statusCode).toBe(
      200,
    );
  });

  it('filters by kind (or type), role, team, search, id and deactivation', async () => {
    const admin = await h.session('admin');
    const team = (
      await h.request({ url: '/api/teams', session: admin, body: { name: 'Data Platform' } })
    ).json();
    const maya = await h.person({ name: 'Maya Chen', email: 'maya@example.com', role: 'manager' });
    await h.request({
      method: 'PATCH',
      url: `/api/users/${maya.id}`,
      session: admin,
      body: { team_ids: [team.id] },
    });
    const svc = await h.serviceUser({ name: 'svc-airflow' });
    const gone = await h.person({ name: 'Gone Person' });
    await h.request({ method: 'POST', url: `/api/users/${gone.id}/deactivate`, session: admin });
    const ids = async (query: string) =>
      (await h.request({ url: `/api/users?${query}`, session: admin }))
        .json()
        .items.map((a: { id: string }) => a.id);

    expect(await ids('kind=service')).toEqual([svc.id]);
    expect(await ids('type=service')).toEqual([svc.id]);
    expect(await ids('role=manager')).toEqual([maya.id]);
    expect(await ids(`team=${team.id}`)).toEqual([maya.id]);
    expect(await ids('q=AIRFLOW')).toEqual([svc.id]);
    expect(await ids('q=maya@example')).toEqual([maya.id]);
    expect(await ids(`id=${svc.id}`)).toEqual([svc.id]);
    expect(await ids('q=Gone')).toEqual([]);
    expect(await ids('q=Gone&include_deactivated=true')).toEqual([gone.id]);
    // The arrow link names one account: it shows even when deactivated.
    expect(await ids(`id=${gone.id}`)).toEqual([gone.id]);
  });

  it('sorts by name, role, creation and last activity', async () => {
    const admin = await h.session('admin');
    h.clock.advance(1000);
    const zed = await h.person({ name: 'Zed', role: 'member' });
    h.clock.advance(1000);
    const amy = await h.person({ name: 'Amy', role: 'manager' });
    await h.signIn(zed);
    const names = async (query: string) =>
      (await h.request({ url: `/api/users?${query}`, session: admin }))
        .json()
        .items.map((a: { name: string }) => a.name);
    const adminName = admin.account.name;
    expect(await names('sort=name')).toEqual(
      ['Amy', adminName, 'Zed'].sort((a, b) => a!.toLowerCase().localeCompare(b!.toLowerCase())),
    );
    expect(await names('sort=role')).toEqual([adminName, 'Amy', 'Zed']);
    expect(await names('sort=created_at&order=desc')).toEqual(['Amy', 'Zed', adminName]);
    const byActivity = await names('sort=last_active_at&order=desc');
    expect(byActivity.at(-1)).toBe('Amy');
    void amy;
  });

  it("counts each account's active tokens", async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser();
    await h.generate(admin, { name: 'a', kind: 'service', service_user_id: svc.id });
    const { token } = await h.generate(admin, { name: 'b', kind: 'service', service_user_id: svc.id });
    await h.request({ url: `/api/tokens/${token.id}/revoke`, session: admin, body: {} });
    const [account] = (await h.request({ url: `/api/users?id=${svc.id}`, session: admin })).json().items;
    expect(account.active_token_count).toBe(1);
  });
});

describe('teams', () => {
  it('start with Public; Admins add more, unique ignoring case, without control characters', async () => {
    const admin = await h.session('admin');
    const member = await h.session('member');
    expect((await h.request({ url: '/api/teams', session: member })).json().items).toEqual([
      expect.objectContaining({ name: 'Public', builtin: true, member_count: 2 }),
    ]);
    expect((await h.request({ url: '/api/teams', session: member, body: { name: 'X' } })).statusCode).toBe(
      403,
    );
    expect(
      (await h.request({ url: '/api/teams', session: admin, body: { name: 'Analytics' } })).statusCode,
    ).toBe(201);
    const dup = await h.request({ url: '/api/teams', session: admin, body: { name: 'analytics' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('team_exists');
    const control = await h.request({ url: '/api/teams', session: admin, body: { name: 'a\u0007b' } });
    expect(control.statusCode).toBe(400);
    expect(control.json().details.field).toBe('name');
  });
});
