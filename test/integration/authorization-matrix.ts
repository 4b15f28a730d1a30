// THE AUTHORIZATION MATRIX: every endpoint × every kind of caller → the status Tessera must answer.
// authorization-matrix.test.ts runs every cell against a real app and database, and fails if a route exists
// that this table does not list. docs/SECURITY.md links here: this table is the documentation.
//
// Callers (columns), in this order:
//   anon  no credentials at all
//   mSes  a Member signed in to the console (session cookie + CSRF header on changes)
//   gSes  a Manager signed in
//   aSes  an Admin signed in
//   mPat  the personal token of that same Member
//   mSvc  a service token of a service user with the Member role
//   aSvc  a service token of a service user with the Admin role
//   scim  a service token with the scope scim of an Admin service user (may call nothing but /scim/v2/*)
//   revk  a revoked token                                                     → 401 token_revoked
//   expd  an expired token                                                    → 401 token_expired
//   malf  a string with a bad checksum                                        → 401 token_malformed
//   unkn  a well-formed token nobody issued                                   → 401 token_unknown
//   dPer  the personal token of a person since deactivated (revoked by that)  → 401 owner_deactivated
//   dSvc  an unrevoked token whose service user is deactivated (set in the DB) → 401 owner_deactivated
//   endS  the cookie of a session that signed out                             → 401 session_expired
//
// Targets: "Member's" is the Member above (mSes and mPat are the same person); "another person's" belongs
// to a fourth person nobody signs in as. Each cell that changes something gets a fresh target.

export const CALLERS = [
  'anon',
  'mSes',
  'gSes',
  'aSes',
  'mPat',
  'mSvc',
  'aSvc',
  'scim',
  'revk',
  'expd',
  'malf',
  'unkn',
  'dPer',
  'dSvc',
  'endS',
] as const;
export type CallerKind = (typeof CALLERS)[number];

/** The `code` every 401 of a column must carry. */
export const CODE_OF_401: Record<CallerKind, string | undefined> = {
  anon: 'authentication_required',
  mSes: undefined,
  gSes: undefined,
  aSes: undefined,
  mPat: undefined,
  mSvc: undefined,
  aSvc: undefined,
  scim: undefined,
  revk: 'token_revoked',
  expd: 'token_expired',
  malf: 'token_malformed',
  unkn: 'token_unknown',
  dPer: 'owner_deactivated',
  dSvc: 'owner_deactivated',
  endS: 'session_expired',
};

/** What a cell's request is about; the test turns it into a URL and body with fresh targets. */
export type Target =
  | 'none'
  | 'member-personal-token'
  | 'member-revoked-token'
  | 'other-personal-token'
  | 'service-token'
  | 'revoked-service-token'
  | 'member-account'
  | 'other-account'
  | 'service-user'
  | 'deactivated-service-user'
  | 'trust-policy'
  | 'scim-user'
  | 'scim-group'
  | 'scope'
  | 'webhook';

export interface MatrixRow {
  /** The route as Fastify registers it: `METHOD /path/:param`. */
  route: string;
  /** What this row asks, when a route has more than one case (e.g. personal vs service). */
  case?: string;
  target: Target;
  expect: readonly number[];
}

const row = (route: string, target: Target, expect: readonly number[], rowCase?: string): MatrixRow => ({
  route,
  target,
  expect,
  ...(rowCase ? { case: rowCase } : {}),
});

const AUTH_CHECK_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const DOCS = [
  '/api/docs',
  '/api/docs/',
  '/api/docs/json',
  '/api/docs/yaml',
  '/api/docs/static/swagger-initializer.js',
  '/api/docs/*',
];

const SCIM_READS = [
  '/scim/v2/ServiceProviderConfig',
  '/scim/v2/ResourceTypes',
  '/scim/v2/ResourceTypes/:id',
  '/scim/v2/Schemas',
  '/scim/v2/Schemas/:id',
  '/scim/v2/Users',
  '/scim/v2/Groups',
];

// biome-ignore format: the table is aligned by hand so that it reads as a table.
export const MATRIX: MatrixRow[] = [
  //                                                                anon mSes gSes aSes mPat mSvc aSvc scim revk expd malf unkn dPer dSvc endS
  row('POST /api/auth/login',            'none',                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], 'sign in as the Member (public)'),
  row('GET /api/auth/methods',           'none',                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], 'what the sign-in page offers (public)'),
  row('GET /api/me',                     'none',                    [401, 200, 200, 200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/me/password',           'none',                    [401, 400, 400, 400, 403, 403, 403, 403, 401, 401, 401, 401, 401, 401, 401], 'a wrong current password: 400 once allowed'),
  row('GET /api/tokens',                 'none',                    [401, 200, 200, 200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'kind=personal: own tokens'),
  row('GET /api/tokens',                 'none',                    [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'kind=service: Admins'),
  row('POST /api/tokens',                'none',                    [401, 201, 201, 201, 201, 403, 403, 403, 401, 401, 401, 401, 401, 401, 401], 'personal token for oneself'),
  row('POST /api/tokens',                'service-user',            [401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401], 'service token'),
  row('POST /api/tokens',                'service-user',            [401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401], 'scim-scoped service token'),
  row('GET /api/tokens/:id',             'member-personal-token',   [401, 200, 404, 404, 200, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "the Member's personal token"),
  row('GET /api/tokens/:id',             'other-personal-token',    [401, 404, 404, 404, 404, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "another person's personal token"),
  row('GET /api/tokens/:id',             'service-token',           [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'a service token'),
  row('GET /api/tokens/:id/usage',       'member-personal-token',   [401, 200, 404, 404, 200, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "the Member's personal token"),
  row('GET /api/tokens/:id/usage',       'other-personal-token',    [401, 404, 404, 404, 404, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "another person's personal token"),
  row('GET /api/tokens/:id/usage',       'service-token',           [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'a service token'),
  row('GET /api/tokens/:id/origins',     'member-personal-token',   [401, 200, 404, 404, 200, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "the Member's personal token"),
  row('GET /api/tokens/:id/origins',     'other-personal-token',    [401, 404, 404, 404, 404, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "another person's personal token"),
  row('GET /api/tokens/:id/origins',     'service-token',           [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'a service token'),
  row('POST /api/tokens/:id/revoke',     'member-personal-token',   [401, 200, 404, 404, 200, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "the Member's personal token"),
  row('POST /api/tokens/:id/revoke',     'other-personal-token',    [401, 404, 404, 404, 404, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "another person's personal token"),
  row('POST /api/tokens/:id/revoke',     'service-token',           [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'a service token'),
  row('POST /api/tokens/:id/restore',    'member-revoked-token',    [401, 200, 404, 404, 200, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "the Member's revoked token"),
  row('POST /api/tokens/:id/restore',    'revoked-service-token',   [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'a revoked service token'),
  row('PATCH /api/tokens/:id',           'member-personal-token',   [401, 200, 404, 404, 200, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "rename the Member's personal token"),
  row('PATCH /api/tokens/:id',           'other-personal-token',    [401, 404, 404, 404, 404, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "another person's personal token"),
  row('PATCH /api/tokens/:id',           'service-token',           [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'a service token'),
  row('POST /api/tokens/:id/rotate',     'member-personal-token',   [401, 201, 404, 404, 201, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "the Member's personal token"),
  row('POST /api/tokens/:id/rotate',     'other-personal-token',    [401, 404, 404, 404, 404, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "another person's personal token"),
  row('POST /api/tokens/:id/rotate',     'service-token',           [401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401], 'a service token'),
  row('DELETE /api/tokens/:id',          'member-revoked-token',    [401, 204, 404, 404, 204, 404, 404, 403, 401, 401, 401, 401, 401, 401, 401], "the Member's revoked token"),
  row('DELETE /api/tokens/:id',          'revoked-service-token',   [401, 403, 403, 204, 403, 403, 204, 403, 401, 401, 401, 401, 401, 401, 401], 'a revoked service token'),
  row('GET /api/users',                  'none',                    [401, 403, 200, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /api/users/:id',              'member-account',          [401, 200, 200, 200, 200, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'the Member: oneself'),
  row('GET /api/users/:id',              'other-account',           [401, 403, 200, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'another person'),
  row('POST /api/users',                 'none',                    [401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/service-users',         'none',                    [401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('PATCH /api/users/:id',            'service-user',            [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'rename a service user'),
  row('POST /api/users/:id/deactivate',  'service-user',            [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'a service user without tokens'),
  row('POST /api/users/:id/reactivate',  'deactivated-service-user',[401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /api/service-users/:id/trust-policies', 'service-user', [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/service-users/:id/trust-policies', 'service-user',[401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('PATCH /api/service-users/:id/trust-policies/:policyId', 'trust-policy', [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('DELETE /api/service-users/:id/trust-policies/:policyId', 'trust-policy', [401, 403, 403, 204, 403, 403, 204, 403, 401, 401, 401, 401, 401, 401, 401]),
  // Public: the CI job's JWT is the credential, whatever else is sent; a request that is no exchange is a 400.
  row('POST /oauth/token',               'none',                    [400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400], 'grant_type=client_credentials'),
  row('GET /api/teams',                  'none',                    [401, 200, 200, 200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/teams',                 'none',                    [401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /api/settings/token-policy',  'none',                    [401, 200, 200, 200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'anyone reads it (exceeding: Admins)'),
  row('PUT /api/settings/token-policy',  'none',                    [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /api/scopes',                 'none',                    [401, 200, 200, 200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'anyone reads the catalog'),
  row('POST /api/scopes',                'none',                    [401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('PATCH /api/scopes/:name',         'scope',                   [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('DELETE /api/scopes/:name',        'scope',                   [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /api/settings/token-policy/unused-tokens', 'none',       [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'the sweep’s dry run'),
  row('GET /api/me/notifications',       'none',                    [401, 200, 200, 200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'anyone: their own switch'),
  row('PUT /api/me/notifications',       'none',                    [401, 200, 200, 200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'anyone: their own switch'),
  row('GET /api/settings/notifications', 'none',                    [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('PUT /api/settings/notifications', 'none',                    [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /api/webhooks',               'none',                    [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/webhooks',              'none',                    [401, 403, 403, 201, 403, 403, 201, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /api/webhooks/:id',           'webhook',                 [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('PATCH /api/webhooks/:id',         'webhook',                 [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('DELETE /api/webhooks/:id',        'webhook',                 [401, 403, 403, 204, 403, 403, 204, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/webhooks/:id/test',     'webhook',                 [401, 403, 403, 202, 403, 403, 202, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /api/webhooks/:id/attempts',  'webhook',                 [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/webhooks/:id/deliveries/:delivery_id/resend', 'webhook', [401, 403, 403, 404, 403, 403, 404, 403, 401, 401, 401, 401, 401, 401, 401], 'a delivery that does not exist'),
  row('GET /api/audit',                  'none',                    [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  // Forward auth takes bearer tokens only (a proxy forwards the client's Authorization header), any method.
  ...AUTH_CHECK_METHODS.map((method) =>
    row(`${method} /auth/check`,       'none',                    [401, 401, 401, 401, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401], 'proxied path /'),
  ),
  row('GET /auth/check',                 'none',                    [401, 401, 401, 401, 200, 200, 200, 200, 401, 401, 401, 401, 401, 401, 401], 'proxied path /scim/v2/Users'),
  // Introspection authenticates the token in the body (the column's own token), never the caller: 200 always.
  row('POST /api/introspect',            'none',                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], 'active only for mPat, mSvc, aSvc, scim'),
  // Revocation (RFC 7009) too: the body's token (a fresh one of the Member's) is revoked whoever sends it.
  row('POST /api/revoke',                'none',                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], "a fresh token of the Member's"),
  row('POST /api/leaked-secrets/lookup', 'none',                    [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/leaked-secrets/revoke', 'none',                    [401, 403, 403, 200, 403, 403, 200, 403, 401, 401, 401, 401, 401, 401, 401], "a fresh token of the Member's"),
  row('GET /healthz',                    'none',                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  row('GET /readyz',                     'none',                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  row('GET /metrics',                    'none',                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  // The API reference page and its files are public, like the console's.
  ...DOCS.map((path) =>
    row(`GET ${path}`,                 'none',                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  ),
  row('GET /api/docs/static/index.html', 'none',                    [302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302], 'redirects to /api/docs/'),
  // SCIM (docs/SCIM.md): SCIM-only tokens and Admins' tokens; a console session, even an Admin's, is 403.
  // Errors here are in SCIM's own shape (RFC 7644 §3.12), which the test checks instead of `code`.
  ...SCIM_READS.map((path) =>
    row(`GET ${path}`,                 'none',                    [401, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401, 401, 401, 401, 401]),
  ),
  row('POST /scim/v2/Users',             'none',                    [401, 403, 403, 403, 403, 403, 201, 201, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /scim/v2/Users/:id',          'scim-user',               [401, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401, 401, 401, 401, 401]),
  row('PUT /scim/v2/Users/:id',          'scim-user',               [401, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401, 401, 401, 401, 401]),
  row('PATCH /scim/v2/Users/:id',        'scim-user',               [401, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401, 401, 401, 401, 401]),
  row('DELETE /scim/v2/Users/:id',       'scim-user',               [401, 403, 403, 403, 403, 403, 204, 204, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /scim/v2/Groups',            'none',                    [401, 403, 403, 403, 403, 403, 201, 201, 401, 401, 401, 401, 401, 401, 401]),
  row('GET /scim/v2/Groups/:id',         'scim-group',              [401, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401, 401, 401, 401, 401]),
  row('PUT /scim/v2/Groups/:id',         'scim-group',              [401, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401, 401, 401, 401, 401]),
  row('PATCH /scim/v2/Groups/:id',       'scim-group',              [401, 403, 403, 403, 403, 403, 204, 204, 401, 401, 401, 401, 401, 401, 401]),
  row('DELETE /scim/v2/Groups/:id',      'scim-group',              [401, 403, 403, 403, 403, 403, 204, 204, 401, 401, 401, 401, 401, 401, 401]),
  // A token rotates itself (a session cannot); the rotated token keeps working through its grace period, so
  // the rows after this one still see it.
  row('POST /api/tokens/self/rotate',    'none',                    [401, 403, 403, 403, 201, 201, 201, 403, 401, 401, 401, 401, 401, 401, 401], 'the calling token'),
  // Last: they end the sessions they are sent with (each session column signs in afresh for them).
  row('POST /api/auth/logout',           'none',                    [401, 204, 204, 204, 204, 204, 204, 403, 401, 401, 401, 401, 401, 401, 401]),
  row('POST /api/auth/oidc/logout',      'none',                    [401, 200, 200, 200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 401]),
];
