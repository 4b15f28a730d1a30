import { describe, expect, it } from 'vitest';
import { DAY } from '../support/clock.ts';
import { type Session, setupHarness } from '../support/harness.ts';

const h = setupHarness();

const OPEN = {
  max_days: null,
  allow_never: true,
  default_expires_in_days: 30,
  revoke_unused_after_days: null,
};

async function putPolicy(session: Session, body: unknown) {
  return h.request({ method: 'PUT', url: '/api/settings/token-policy', session, body });
}

async function policyRows() {
  return h.database.handle.db.selectFrom('token_policies').selectAll().orderBy('kind').execute();
}

describe('the token policy', () => {
  it('starts open, is readable by anyone, and shows Admins what exceeds it', async () => {
    const member = await h.session();
    const read = await h.request({ url: '/api/settings/token-policy', session: member });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ personal: OPEN, service: OPEN, exceeding: null });
    const admin = await h.session('admin');
    const asAdmin = await h.request({ url: '/api/settings/token-policy', session: admin });
    expect(asAdmin.json().exceeding).toEqual({ personal: 0, service: 0 });
  });

  it('is changed by Admins only, audited', async () => {
    const admin = await h.session('admin');
    const manager = await h.session('manager');
    const policy = {
      personal: { ...OPEN, max_days: 90, allow_never: false },
      service: { ...OPEN, max_days: 365, default_expires_in_days: null },
    };
    expect((await putPolicy(manager, policy)).statusCode).toBe(403);
    const response = await putPolicy(admin, policy);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ...policy, exceeding: { personal: 0, service: 0 } });
    const events = await h.database.handle.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'token_policy.updated')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_id: admin.account.id, details: { to: policy } });
  });

  it('refuses an inconsistent policy naming the field, and writes nothing', async () => {
    const admin = await h.session('admin');
    const before = await policyRows();
    const cases: [unknown, string][] = [
      [
        { personal: { ...OPEN, max_days: 60, default_expires_in_days: 90 }, service: OPEN },
        'personal.default_expires_in_days',
      ],
      [
        { personal: OPEN, service: { ...OPEN, allow_never: false, default_expires_in_days: null } },
        'service.default_expires_in_days',
      ],
      [{ personal: { ...OPEN, max_days: 0 }, service: OPEN }, 'personal.max_days'],
      [{ personal: { ...OPEN, max_days: 366 }, service: OPEN }, 'personal.max_days'],
      [
        { personal: { ...OPEN, revoke_unused_after_days: 3651 }, service: OPEN },
        'personal.revoke_unused_after_days',
      ],
      [{ personal: OPEN }, 'service'],
      [{ personal: { ...OPEN, extra: 1 }, service: OPEN }, 'personal.extra'],
    ];
    for (const [body, field] of cases) {
      const response = await putPolicy(admin, body);
      expect(response.statusCode, field).toBe(400);
      expect(response.json().details.field, JSON.stringify(body)).toBe(field);
    }
    expect(await policyRows()).toEqual(before);
  });

  it('limits the lifetime of new tokens, naming the field and the limit', async () => {
    const admin = await h.session('admin');
    await putPolicy(admin, { personal: { ...OPEN, max_days: 90, allow_never: false }, service: OPEN });
    const member = await h.session();
    const tooLong = await h.request({
      url: '/api/tokens',
      session: member,
      body: { name: 'Long', expires_in_days: 91 },
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().details.field).toBe('expires_in_days');
    expect(tooLong.json().message).toContain('at most 90 days');
    const never = await h.request({
      url: '/api/tokens',
      session: member,
      body: { name: 'Never', expires_in_days: null },
    });
    expect(never.statusCode).toBe(400);
    expect(never.json().details.field).toBe('expires_in_days');
    expect(never.json().message).toContain('never expire');
    const tokens = await h.database.handle.db.selectFrom('tokens').select('id').execute();
    expect(tokens).toHaveLength(0);
    expect((await h.generate(member, { name: 'Fine', expires_in_days: 90 })).token.name).toBe('Fine');
    // Service tokens follow their own rule.
    const svc = await h.serviceUser();
    const service = await h.generate(admin, {
      name: 'Forever',
      kind: 'service',
      service_user_id: svc.id,
      expires_in_days: null,
    });
    expect(service.token.expires_at).toBeNull();
  });

  it('changes no existing token when tightened, but counts and lists those that exceed it', async () => {
    const admin = await h.session('admin');
    const member = await h.session();
    await h.generate(member, { name: 'Year', expires_in_days: 365 });
    await h.generate(member, { name: 'Never', expires_in_days: null });
    await h.generate(member, { name: 'Month', expires_in_days: 30 });
    const revoked = await h.generate(member, { name: 'Revoked year', expires_in_days: 365 });
    await h.request({ url: `/api/tokens/${revoked.token.id}/revoke`, session: member, body: {} });
    const response = await putPolicy(admin, {
      personal: { ...OPEN, max_days: 90, allow_never: false },
      service: OPEN,
    });
    expect(response.json().exceeding).toEqual({ personal: 2, service: 0 });
    const list = await h.request({
      url: '/api/tokens?kind=personal&exceeds_policy=true&sort=name',
      session: member,
    });
    expect(list.json().items.map((t: { name: string; status: string }) => [t.name, t.status])).toEqual([
      ['Never', 'active'],
      ['Year', 'active'],
    ]);
    const all = await h.request({ url: '/api/tokens?kind=personal', session: member });
    expect(all.json().items).toHaveLength(4);
  });
});

describe('the inactivity sweep', () => {
  async function world() {
    const admin = await h.session('admin');
    const member = await h.session();
    const fresh = await h.generate(member, { name: 'Used lately', expires_in_days: 365 });
    const stale = await h.generate(member, { name: 'Used long ago', expires_in_days: 365 });
    const never = await h.generate(member, { name: 'Never used', expires_in_days: 365 });
    await h.request({ url: '/api/me', token: stale.secret });
    h.clock.advance(25 * DAY);
    await h.request({ url: '/api/me', token: fresh.secret });
    await h.services.lastUsed.flush();
    h.clock.advance(10 * DAY);
    return { admin, member, fresh, stale, never };
  }

  it('is off by default: nothing is revoked', async () => {
    const { member } = await world();
    expect(await h.services.tokenPolicies.sweep()).toBe(0);
    const list = await h.request({ url: '/api/tokens?kind=personal&status=active', session: member });
    expect(list.json().items).toHaveLength(3);
  });

  it('shows in a dry run what it would revoke, then revokes exactly that, audited, by the system', async () => {
    const { admin, member, stale, never } = await world();
    const preview = await h.request({
      url: '/api/settings/token-policy/unused-tokens?kind=personal&days=30',
      session: admin,
    });
    expect(preview.statusCode).toBe(200);
    const names = preview.json().items.map((t: { name: string }) => t.name);
    expect(names.sort()).toEqual(['Never used', 'Used long ago']);
    // A dry run changes nothing.
    expect(
      await h.database.handle.db
        .selectFrom('tokens')
        .where('revoked_at', 'is not', null)
        .select('id')
        .execute(),
    ).toEqual([]);

    await putPolicy(admin, { personal: { ...OPEN, revoke_unused_after_days: 30 }, service: OPEN });
    expect(await h.services.tokenPolicies.sweep()).toBe(2);
    const tokens = (await h.request({ url: '/api/tokens?kind=personal&sort=name', session: member })).json()
      .items;
    expect(
      tokens.map((t: { name: string; status: string; revoked_reason: string | null }) => [
        t.name,
        t.status,
        t.revoked_reason,
      ]),
    ).toEqual([
      ['Never used', 'revoked', 'unused for 30 days'],
      ['Used lately', 'active', null],
      ['Used long ago', 'revoked', 'unused for 30 days'],
    ]);
    expect((await h.request({ url: '/api/me', token: stale.secret })).json().code).toBe('token_revoked');
    const events = await h.database.handle.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'token.revoked')
      .execute();
    expect(events.map((e) => [e.target_id, e.actor_id, e.details]).sort()).toEqual(
      [
        [never.token.id, null, { reason: 'unused for 30 days', via: 'inactivity sweep' }],
        [stale.token.id, null, { reason: 'unused for 30 days', via: 'inactivity sweep' }],
      ].sort(),
    );
    // Run again: nothing more to do.
    expect(await h.services.tokenPolicies.sweep()).toBe(0);
  });

  it('refuses a dry run to anyone but Admins, and a day count out of range', async () => {
    const manager = await h.session('manager');
    const admin = await h.session('admin');
    const url = '/api/settings/token-policy/unused-tokens?kind=personal&days=30';
    expect((await h.request({ url, session: manager })).statusCode).toBe(403);
    const bad = await h.request({ url: `${url.replace('days=30', 'days=0')}`, session: admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.field).toBe('days');
  });
});
