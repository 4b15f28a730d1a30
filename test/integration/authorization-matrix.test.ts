import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/core/secret.ts';
import { DAY } from '../support/clock.ts';
import {
  type Harness,
  PASSWORD,
  type RequestOptions,
  type Session,
  setupHarness,
} from '../support/harness.ts';
import {
  CALLERS,
  type CallerKind,
  CODE_OF_401,
  MATRIX,
  type MatrixRow,
  type Target,
} from './authorization-matrix.ts';

// Runs every cell of the table in authorization-matrix.ts against a real app on a real database.
// The brute-force limits are off here: the table sends hundreds of failing credentials from one address.
const h = setupHarness({
  env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '0', TESSERA_AUTH_FAILURES_PER_TOKEN: '0' },
});

type Credential = { session: Session } | { token: string } | Record<string, never>;

interface World {
  credentials: Record<CallerKind, Credential>;
  secrets: Partial<Record<CallerKind, string>>;
  member: Session;
  other: Session;
  admin: Session;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

async function buildWorld(h: Harness): Promise<World> {
  const member = await h.session('member');
  const manager = await h.session('manager');
  const admin = await h.session('admin');
  const other = await h.session('member');
  const memberSvc = await h.serviceUser({ role: 'member' });
  const adminSvc = await h.serviceUser({ role: 'admin' });
  const service = (owner: string, extra: Record<string, unknown> = {}) =>
    h.generate(admin, { name: unique('svc'), kind: 'service', service_user_id: owner, ...extra });

  const memberPat = (await h.generate(member, { name: 'member-pat' })).secret;
  const memberSvcSecret = (await service(memberSvc.id)).secret;
  const adminSvcSecret = (await service(adminSvc.id)).secret;
  const scimSecret = (await service(adminSvc.id, { scopes: ['scim'] })).secret;
  const revoked = await h.generate(other, { name: 'revoked' });
  await h.request({ url: `/api/tokens/${revoked.token.id}/revoke`, session: other, body: {} });
  const expired = await h.generate(other, { name: 'expired', expires_in_days: 1 });

  const leaver = await h.person();
  const leaverSecret = (await h.generate(await h.signIn(leaver), { name: 'leaver' })).secret;
  await h.request({ url: `/api/users/${leaver.id}/deactivate`, session: admin, method: 'POST' });
  const goneSvc = await h.serviceUser();
  const goneSvcSecret = (await service(goneSvc.id)).secret;
  // Deactivation refuses a service user with active tokens, so the flag is set directly (defence in depth).
  await sql`update accounts set deactivated_at = now() where id = ${goneSvc.id}`.execute(
    h.database.handle.db,
  );

  const ended = await h.signIn(await h.person());
  await h.request({ url: '/api/auth/logout', session: ended, method: 'POST' });

  const malformed = `${memberPat.slice(0, -1)}${memberPat.endsWith('A') ? 'B' : 'A'}`;
  const unknown = generateSecret('personal');
  h.clock.advance(DAY + 1);

  const secrets: World['secrets'] = {
    mPat: memberPat,
    mSvc: memberSvcSecret,
    aSvc: adminSvcSecret,
    scim: scimSecret,
    revk: revoked.secret,
    expd: expired.secret,
    malf: malformed,
    unkn: unknown,
    dPer: leaverSecret,
    dSvc: goneSvcSecret,
  };
  const credentials = {
    anon: {},
    mSes: { session: member },
    gSes: { session: manager },
    aSes: { session: admin },
    endS: { session: ended },
    ...Object.fromEntries(Object.entries(secrets).map(([kind, token]) => [kind, { token }])),
  } as Record<CallerKind, Credential>;
  return { credentials, secrets, member, other, admin };
}

const TRUST_POLICY = {
  issuer: 'https://token.actions.githubusercontent.com',
  audience: 'tessera',
  conditions: [{ claim: 'sub', value: 'repo:acme/app:ref:refs/heads/main', match: 'exact' }],
  lifetime_minutes: 15,
};

/** A fresh target for one cell, so no cell depends on what another did. */
async function targetId(world: World, target: Target): Promise<string> {
  const revoke = async (session: Session, id: string) => {
    await h.request({ url: `/api/tokens/${id}/revoke`, session, body: {} });
    return id;
  };
  switch (target) {
    case 'none':
      return '';
    case 'member-personal-token':
      return (await h.generate(world.member, { name: unique('mine') })).token.id;
    case 'member-revoked-token':
      return revoke(world.member, (await h.generate(world.member, { name: unique('mine') })).token.id);
    case 'other-personal-token':
      return (await h.generate(world.other, { name: unique('theirs') })).token.id;
    case 'service-token':
    case 'revoked-service-token': {
      const owner = await h.serviceUser();
      const { token } = await h.generate(world.admin, {
        name: unique('svc'),
        kind: 'service',
        service_user_id: owner.id,
      });
      return target === 'service-token' ? token.id : revoke(world.admin, token.id);
    }
    case 'member-account':
      return world.member.account.id;
    case 'other-account':
      return world.other.account.id;
    case 'service-user':
      return (await h.serviceUser()).id;
    case 'deactivated-service-user': {
      const owner = await h.serviceUser();
      await h.request({ url: `/api/users/${owner.id}/deactivate`, session: world.admin, method: 'POST' });
      return owner.id;
    }
    case 'trust-policy': {
      const owner = await h.serviceUser();
      const created = await h.request({
        url: `/api/service-users/${owner.id}/trust-policies`,
        session: world.admin,
        body: TRUST_POLICY,
      });
      return `${owner.id}|${created.json().id}`;
    }
    case 'scim-user':
      return (await h.person()).id;
    case 'scim-group':
      return (await h.services.teams.create(null, unique('Group'))).id;
    case 'webhook': {
      const created = await h.request({ url: '/api/webhooks', session: world.admin, body: WEBHOOK });
      return created.json().webhook.id;
    }
    case 'scope': {
      const name = scopeName();
      await h.request({ url: '/api/scopes', session: world.admin, body: { name } });
      return name;
    }
  }
}

const WEBHOOK = { url: 'https://hooks.example.com/tessera', events: ['token.created'] };

let scopes = 0;
const scopeName = () => `matrix:scope-${++scopes}`;

/** The request of one cell: the row's route with a fresh target, sent with the column's credential. */
async function cellRequest(world: World, row: MatrixRow, caller: CallerKind): Promise<RequestOptions> {
  const [method, pattern] = row.route.split(' ') as [RequestOptions['method'], string];
  const id = await targetId(world, row.target);
  const [ownerId, policyId] = id.split('|') as [string, string | undefined];
  let url = pattern
    .replace(':id', ownerId)
    .replace(':policyId', policyId ?? '')
    .replace(':name', id)
    .replace(':delivery_id', '00000000-0000-4000-8000-000000000000')
    .replace('/api/docs/*', '/api/docs/static/swagger-ui.css');
  let body: unknown;
  const headers: Record<string, string> = {};
  switch (`${method} ${pattern}`) {
    case 'POST /api/auth/login':
      body = { email: world.member.account.email, password: PASSWORD };
      break;
    case 'GET /api/tokens':
      url += row.case?.startsWith('kind=service') ? '?kind=service' : '?kind=personal';
      break;
    case 'POST /api/tokens':
      body =
        row.target === 'service-user'
          ? {
              name: unique('new'),
              kind: 'service',
              expires_in_days: 30,
              service_user_id: id,
              ...(row.case?.startsWith('scim-scoped') ? { scopes: ['scim'] } : {}),
            }
          : { name: unique('new'), kind: 'personal', expires_in_days: 30 };
      break;
    case 'POST /api/tokens/:id/revoke':
      body = { reason: 'matrix' };
      break;
    case 'POST /api/tokens/:id/rotate':
    case 'POST /api/tokens/self/rotate':
      body = { grace_period_minutes: 60 };
      break;
    case 'PATCH /api/tokens/:id':
      body = { name: unique('Renamed'), description: 'matrix' };
      break;
    case 'POST /api/users':
      body = { email: `${unique('new')}@example.com`, name: 'New', password: PASSWORD };
      break;
    case 'POST /api/service-users':
      body = { name: unique('svc-new') };
      break;
    case 'POST /api/service-users/:id/trust-policies':
      body = TRUST_POLICY;
      break;
    case 'PATCH /api/service-users/:id/trust-policies/:policyId':
      body = { lifetime_minutes: 30 };
      break;
    case 'POST /oauth/token':
      body = { grant_type: 'client_credentials' };
      break;
    case 'PATCH /api/users/:id':
      body = { name: 'Renamed' };
      break;
    case 'POST /api/teams':
      body = { name: unique('Team') };
      break;
    case 'POST /api/me/password':
      // Wrong on purpose: a session gets as far as the check (400) and changes nothing the other cells use.
      body = { current_password: 'not the password', new_password: 'a long enough new password' };
      break;
    case 'POST /api/introspect':
      body = { token: world.secrets[caller] ?? 'none' };
      break;
    case 'PUT /api/settings/token-policy': {
      const open = {
        max_days: null,
        allow_never: true,
        default_expires_in_days: 30,
        revoke_unused_after_days: null,
      };
      body = { personal: open, service: open };
      break;
    }
    case 'POST /api/scopes':
      body = { name: scopeName() };
      break;
    case 'PUT /api/me/notifications':
      body = { expiry_warnings: true };
      break;
    case 'PUT /api/settings/notifications':
      body = { expiry_thresholds_days: [7, 1] };
      break;
    case 'POST /api/webhooks':
      body = WEBHOOK;
      break;
    case 'PATCH /api/webhooks/:id':
      body = { events: ['token.revoked'] };
      break;
    case 'PATCH /api/scopes/:name':
      body = { description: 'matrix' };
      break;
    case 'GET /api/settings/token-policy/unused-tokens':
      url = `${url}?kind=personal&days=30`;
      break;
    case 'POST /api/revoke':
      body = { token: (await h.generate(world.member, { name: unique('leaked') })).secret };
      break;
    case 'POST /api/leaked-secrets/lookup':
      body = { text: `found: ${world.secrets.mPat}` };
      break;
    case 'POST /api/leaked-secrets/revoke':
      body = { secrets: [(await h.generate(world.member, { name: unique('leaked') })).secret] };
      break;
    case 'GET /scim/v2/ResourceTypes/:id':
      url = '/scim/v2/ResourceTypes/User';
      break;
    case 'GET /scim/v2/Schemas/:id':
      url = '/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User';
      break;
    case 'POST /scim/v2/Users':
      body = { userName: `${unique('scim')}@example.com` };
      break;
    case 'PUT /scim/v2/Users/:id':
      body = { userName: `${unique('scim')}@example.com`, displayName: 'Replaced' };
      break;
    case 'PATCH /scim/v2/Users/:id':
    case 'PATCH /scim/v2/Groups/:id':
      body = {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'displayName', value: unique('Patched') }],
      };
      break;
    case 'POST /scim/v2/Groups':
    case 'PUT /scim/v2/Groups/:id':
      body = { displayName: unique('Group') };
      break;
  }
  if (pattern === '/auth/check' && row.case?.includes('/scim/v2/'))
    headers['x-forwarded-uri'] = '/scim/v2/Users';
  let credential = world.credentials[caller];
  // Signing out ends the session it is sent with: give it one of its own, of the same person.
  if (SIGN_OUTS.has(pattern) && 'session' in credential && caller !== 'endS') {
    credential = { session: await h.signIn(credential.session.account) };
  }
  return { method, url, headers, ...(body === undefined ? {} : { body }), ...credential };
}

const SESSION_CALLERS = new Set<CallerKind>(['mSes', 'gSes', 'aSes', 'endS']);
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const pattern = (row: MatrixRow) => row.route.split(' ')[1]!;
const SIGN_OUTS = new Set(['/api/auth/logout', '/api/auth/oidc/logout']);

describe('the authorization matrix', () => {
  it('answers every cell as the table says', { timeout: 180_000 }, async () => {
    const world = await buildWorld(h);
    const wrong: string[] = [];
    let cells = 0;
    for (const row of MATRIX) {
      expect(row.expect, row.route).toHaveLength(CALLERS.length);
      for (const [i, caller] of CALLERS.entries()) {
        const expected = row.expect[i]!;
        const options = await cellRequest(world, row, caller);
        const response = await h.request(options);
        cells++;
        const label = `${row.route}${row.case ? ` (${row.case})` : ''} as ${caller}`;
        if (response.statusCode !== expected) {
          wrong.push(
            `${label}: expected ${expected}, got ${response.statusCode} ${response.body.slice(0, 120)}`,
          );
          continue;
        }
        if (response.statusCode >= 400 && options.method !== 'HEAD' && pattern(row).startsWith('/scim/')) {
          // RFC 7644 §3.12's shape, the status as a string; a 401 still challenges with Bearer.
          const body = response.json();
          if (
            body.schemas?.[0] !== SCIM_ERROR ||
            body.status !== String(response.statusCode) ||
            !body.detail
          ) {
            wrong.push(`${label}: not a SCIM error: ${response.body}`);
          }
          if (response.statusCode === 401 && !response.headers['www-authenticate']) {
            wrong.push(`${label}: a 401 without WWW-Authenticate`);
          }
        } else if (response.statusCode >= 400 && pattern(row) === '/oauth/token') {
          // OAuth's own shape (RFC 6749 §5.2), as RFC 8693 answers.
          const body = response.json();
          if (typeof body.error !== 'string' || typeof body.error_description !== 'string') {
            wrong.push(`${label}: not an OAuth error: ${response.body}`);
          }
        } else if (response.statusCode >= 400 && options.method !== 'HEAD') {
          const body = response.json();
          if (typeof body.code !== 'string' || typeof body.message !== 'string') {
            wrong.push(`${label}: error body without code and message: ${response.body}`);
          }
          const forwardAuthWithCookie = row.route.endsWith(' /auth/check') && SESSION_CALLERS.has(caller);
          const code = forwardAuthWithCookie ? 'authentication_required' : CODE_OF_401[caller];
          if (response.statusCode === 401 && code && body.code !== code) {
            wrong.push(`${label}: expected code ${code}, got ${body.code}`);
          }
          if (response.statusCode === 403 && caller === 'scim' && body.code !== 'insufficient_scope') {
            wrong.push(`${label}: expected insufficient_scope, got ${body.code}`);
          }
        }
        if (row.route === 'POST /api/introspect') {
          const active = ['mPat', 'mSvc', 'aSvc', 'scim'].includes(caller);
          if (response.json().active !== active) wrong.push(`${label}: expected active ${active}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(cells).toBe(MATRIX.length * CALLERS.length);
  });

  it('lists every route the app serves, and nothing it does not', async () => {
    await h.app.ready();
    const served = servedRoutes(h.app.printRoutes({ commonPrefix: false }));
    const listed = new Set(MATRIX.map((row) => row.route));
    expect([...served].filter((route) => !listed.has(route))).toEqual([]);
    expect([...listed].filter((route) => !served.has(route))).toEqual([]);
    // The OpenAPI document describes no operation the table leaves out.
    const document = h.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.length).toBeGreaterThan(20);
    expect(documented.filter((route) => !listed.has(route))).toEqual([]);
  });
});

/**
 * `METHOD /path` for every route in Fastify's route tree. HEAD is left out where GET is served (Fastify
 * adds it), except for /auth/check, which registers HEAD itself and whose rows list it.
 */
function servedRoutes(tree: string): Set<string> {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = path;
    const methods = match[3]?.split(', ') ?? [];
    for (const method of methods) {
      if (method === 'HEAD' && methods.includes('GET') && path !== '/auth/check') continue;
      routes.add(`${method} ${path}`);
    }
  }
  return routes;
}
