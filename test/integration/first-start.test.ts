import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/accounts/passwords.ts';
import { bootstrap } from '../../src/bootstrap/bootstrap.ts';
import { seedDemoWorkspace } from '../../src/bootstrap/demo-workspace.ts';
import { generateSecret } from '../../src/core/secret.ts';
import { tokenStatus } from '../../src/core/token-status.ts';
import { PASSWORD, setupHarness } from '../support/harness.ts';

const h = setupHarness();

describe('first start', () => {
  it('seeds the demo workspace once, with an Admin whose password is generated and returned', async () => {
    const first = await bootstrap(h.database.handle.db, h.clock, { demo: true });
    expect(first).toMatchObject({ firstStart: true, adminEmail: 'admin@example.com', demo: true });
    if (!first.firstStart) throw new Error('unreachable');
    expect(first.generatedPassword).toMatch(/^[\w-]{16}$/);
    const signIn = await h.request({
      url: '/api/auth/login',
      body: { email: 'admin@example.com', password: first.generatedPassword },
    });
    expect(signIn.statusCode).toBe(200);
    expect(await bootstrap(h.database.handle.db, h.clock, { demo: true })).toEqual({ firstStart: false });
  });

  it('puts every scenario of the reference pages in the demo data', async () => {
    await bootstrap(h.database.handle.db, h.clock, { demo: true, adminPassword: PASSWORD });
    const db = h.database.handle.db;
    const now = h.clock.now();
    const tokens = await db
      .selectFrom('tokens as t')
      .innerJoin('accounts as a', 'a.id', 't.owner_id')
      .select([
        't.kind',
        't.name',
        't.expires_at',
        't.revoked_at',
        't.last_used_at',
        't.created_at',
        't.scopes',
        'a.name as owner_name',
        'a.email as owner_email',
        'a.email',
        'a.role',
      ])
      .execute();
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    for (const kind of ['personal', 'service'] as const) {
      const mine = tokens.filter((t) => t.kind === kind);
      const status = (t: (typeof mine)[number]) => tokenStatus(t, now);
      const since = (d: Date | null) => (d ? now.getTime() - d.getTime() : Number.NaN);
      const until = (d: Date | null) => (d ? d.getTime() - now.getTime() : Number.NaN);
      const scenarios: Record<string, boolean> = {
        'active, used within the hour': mine.some(
          (t) => status(t) === 'active' && since(t.last_used_at) < HOUR,
        ),
        'active, used days ago': mine.some(
          (t) => status(t) === 'active' && since(t.last_used_at) >= DAY && since(t.last_used_at) < 30 * DAY,
        ),
        'not used yet': mine.some((t) => t.last_used_at === null && status(t) === 'active'),
        'expires in days': mine.some((t) => status(t) === 'active' && until(t.expires_at) < 30 * DAY),
        'expires in months': mine.some((t) => status(t) === 'active' && until(t.expires_at) > 60 * DAY),
        'never expires': mine.some((t) => t.expires_at === null && status(t) === 'active'),
        'revoked with last used': mine.some((t) => status(t) === 'revoked' && t.last_used_at !== null),
        'expired months ago with last used': mine.some(
          (t) => status(t) === 'expired' && since(t.expires_at) > 60 * DAY && t.last_used_at !== null,
        ),
        'used months ago': mine.some((t) => since(t.last_used_at) > 60 * DAY),
      };
      expect(scenarios, kind).toEqual(Object.fromEntries(Object.keys(scenarios).map((k) => [k, true])));
    }
    const service = tokens.filter((t) => t.kind === 'service');
    expect(service.some((t) => t.scopes.includes('scim'))).toBe(true);
    expect(service.some((t) => t.owner_name && t.owner_email)).toBe(true);
    expect(service.some((t) => t.owner_name && !t.owner_email)).toBe(true);
    expect(service.some((t) => !t.owner_name && !t.owner_email)).toBe(true);
    const accounts = await db
      .selectFrom('accounts')
      .select(['kind', 'role', 'deactivated_at', 'internal_id'])
      .execute();
    for (const role of ['admin', 'manager', 'member'] as const) {
      expect(
        accounts.some((a) => a.kind === 'human' && a.role === role),
        role,
      ).toBe(true);
    }
    expect(accounts.some((a) => a.kind === 'human' && a.deactivated_at)).toBe(true);
    expect(accounts.some((a) => a.kind === 'service' && a.deactivated_at)).toBe(true);
    expect(accounts.map((a) => a.internal_id)).toContain('svc-airflow@service');
  });

  it("keeps each account's last activity at or after its tokens' last use, as the server does", async () => {
    await bootstrap(h.database.handle.db, h.clock, { demo: true, adminPassword: PASSWORD });
    const rows = await h.database.handle.db
      .selectFrom('accounts as a')
      .leftJoin('tokens as t', 't.owner_id', 'a.id')
      .select(['a.internal_id', 'a.email', 'a.last_active_at'])
      .select((eb) => eb.fn.max('t.last_used_at').as('last_use'))
      .groupBy(['a.id', 'a.internal_id', 'a.email', 'a.last_active_at'])
      .execute();
    const used = rows.filter((r) => r.last_use !== null);
    expect(used.some((r) => r.internal_id === 'svc-airflow@service')).toBe(true);
    for (const row of used) {
      expect(row.last_active_at, row.internal_id ?? row.email ?? '').not.toBeNull();
      expect(row.last_active_at!.getTime()).toBeGreaterThanOrEqual(new Date(row.last_use!).getTime());
    }
  });

  it('creates only the Admin with TESSERA_DEMO=0, from TESSERA_ADMIN_EMAIL and _PASSWORD', async () => {
    const first = await bootstrap(h.database.handle.db, h.clock, {
      demo: false,
      adminEmail: 'ops@corp.example',
      adminPassword: PASSWORD,
    });
    expect(first).toEqual({
      firstStart: true,
      adminEmail: 'ops@corp.example',
      generatedPassword: undefined,
      demo: false,
    });
    const accounts = await h.database.handle.db.selectFrom('accounts').select(['email', 'role']).execute();
    expect(accounts).toEqual([{ email: 'ops@corp.example', role: 'admin' }]);
    expect(await h.database.handle.db.selectFrom('tokens').select('id').execute()).toEqual([]);
    const signIn = await h.request({
      url: '/api/auth/login',
      body: { email: 'ops@corp.example', password: PASSWORD },
    });
    expect(signIn.statusCode).toBe(200);
  });
});

describe('the seeded tokens', () => {
  it('authenticate exactly as their status says', async () => {
    const secrets = new Map<string, string>();
    await seedDemoWorkspace(
      h.database.handle.db,
      h.clock.now(),
      { adminEmail: 'admin@example.com', passwordHash: await hashPassword(PASSWORD) },
      (kind, name) => {
        const secret = generateSecret(kind);
        secrets.set(name, secret);
        return secret;
      },
    );
    const call = async (name: string) => {
      const response = await h.request({ url: '/api/me', token: secrets.get(name)! });
      return response.statusCode === 200 ? 'ok' : response.json().code;
    };
    expect(await call('Local Development')).toBe('ok');
    expect(await call('Old laptop')).toBe('token_revoked');
    expect(await call('Quarterly report notebook')).toBe('token_expired');
    expect(await call('Legacy ETL (old key)')).toBe('token_expired');
    expect(await call('Laptop CLI')).toBe('owner_deactivated');
    expect(await call('Airflow DAG Orchestration')).toBe('ok');
    expect(await call('Okta SCIM provisioning')).toBe('insufficient_scope');
    const scim = await h.request({
      url: '/auth/check',
      token: secrets.get('Okta SCIM provisioning')!,
      headers: { 'x-forwarded-uri': '/scim/v2/Users' },
    });
    expect(scim.statusCode).toBe(200);
  });
});
