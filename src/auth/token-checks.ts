import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { encodeHeaderList, encodeHeaderValue } from '../core/header-value.ts';
import { isPathWithin, normalizeRequestPath } from '../core/request-path.ts';
import { MAX_TOKEN_SCOPES, missingScopes, SCIM_PREFIX, SCOPE_NAME_PATTERN } from '../core/scopes.ts';
import { AppError } from '../platform/errors.ts';
import { BODY_LIMIT } from '../platform/http/body-limit.ts';
import { ErrorBody } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import { span, tracingOn } from '../platform/tracing.ts';
import type { LeakedSecrets } from '../tokens/index.ts';
import {
  bearerSecret,
  challenged,
  insufficientScope,
  type MaybePromise,
  requestOrigin,
} from './credentials.ts';
import type { Admission, ScopePath } from './request-authenticator.ts';
import { TOKEN_EXPIRATION_HEADER, tokenExpiration } from './token-expiration.ts';
import type { Verification } from './verification/index.ts';

/** The headers proxies put the original path in, as they are usually spelled. */
const KNOWN_PATH_HEADERS = ['X-Forwarded-Uri', 'X-Original-URI', 'X-Original-URL'];

const Introspection = z
  .object({
    active: z.boolean(),
    sub: z.string().optional().describe("The owning account's ID."),
    username: z.string().optional().describe('Email of a person, internal ID of a service user.'),
    token_type: z.enum(['personal', 'service']).optional(),
    token_id: z.string().optional(),
    name: z.string().optional().describe("The token's name."),
    exp: z.number().int().optional().describe('Expiry, seconds since the epoch; absent: never.'),
    iat: z.number().int().optional(),
    scope: z.string().optional().describe("The token's effective scopes, space-separated (RFC 7662 §2.2)."),
    role: z.string().optional(),
    teams: z.array(z.string()).optional(),
  })
  .meta({ id: 'Introspection' });

/**
 * nginx's auth_request turns any answer but 2xx, 401 and 403 into a 500 for the client, so a rate limit
 * on forward auth is a 401 — still `rate_limited`, with `Retry-After` for proxies that pass it on.
 */
function asDenial(error: unknown): unknown {
  if (!(error instanceof AppError) || error.status !== 429) return error;
  return new AppError(401, error.code, error.message, error.details, {
    ...error.headers,
    'www-authenticate': `Bearer realm="tessera", error="invalid_token", error_description="${error.message}"`,
  });
}

/**
 * The normalized path the proxy is guarding, for a `scim` token's scope. It comes from the one header
 * the operator names (`TESSERA_FORWARDED_PATH_HEADER`), which the proxy sets itself; `/` when that header
 * is absent. A client can send the other known path headers (or the same one twice) through a proxy that
 * leaves them alone: any of them that says a different path means the proxy and the client disagree about
 * what is being asked for, and the request is refused rather than one of them believed.
 */
function forwardedPathFrom(header: string): ScopePath {
  const name = header.toLowerCase();
  const spelled = new Map(KNOWN_PATH_HEADERS.map((known) => [known.toLowerCase(), known]));
  spelled.set(name, header);
  return (request) => {
    // Raw headers, not request.headers: Node joins a repeated header's values with ", ".
    const raw = request.raw.rawHeaders;
    let value: string | undefined;
    const others: [string, string][] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const field = raw[i]!.toLowerCase();
      if (!spelled.has(field)) continue;
      if (field === name && value === undefined) value = raw[i + 1]!;
      else others.push([field, raw[i + 1]!]);
    }
    let path = '/';
    if (value !== undefined) {
      const result = normalizeRequestPath(value);
      if (!result.ok) {
        throw new AppError(
          403,
          'forwarded_path_invalid',
          `${header}: the proxied path is refused, as ${result.problem}.`,
          { field: header, in: 'headers' },
        );
      }
      path = result.path;
    }
    for (const [field, other] of others) {
      if (other === value) continue;
      const result = normalizeRequestPath(other);
      if (result.ok && result.path === path) continue;
      const what =
        field === name
          ? `${header} is sent more than once, with different paths`
          : value === undefined
            ? `${spelled.get(field)} names a path but ${header}, where the path is read from, is absent`
            : `${spelled.get(field)} names a different path than ${header}, where the path is read from`;
      throw new AppError(
        403,
        'forwarded_path_conflict',
        `${what}: the proxy must set ${header} itself (TESSERA_FORWARDED_PATH_HEADER) and remove the others.`,
        { field: spelled.get(field)!, in: 'headers' },
      );
    }
    return path;
  };
}

async function allowWhenVerified(
  reply: FastifyReply,
  outcome: Promise<Verification>,
  sendAllowed: (reply: FastifyReply, verification: Verification) => void,
): Promise<void> {
  let verification: Verification;
  try {
    verification = await outcome;
  } catch (error) {
    throw asDenial(error);
  }
  sendAllowed(reply, verification);
  // A reply is thenable, settled once sent: so Fastify, seeing the handler done, sends nothing more.
  await reply;
}

declare module './verification/cache.ts' {
  interface VerificationAnswers {
    forwardHeaders?: Readonly<Record<string, string>>;
  }
}

/**
 * The headers a proxy gets for a verified token. What people typed (emails, team names) is
 * percent-encoded where plain ASCII would not survive (src/core/header-value.ts): a name outside Latin-1
 * would otherwise make Node throw, and so fail every request of the account. Team IDs name the same teams
 * unambiguously, for upstreams that would rather not depend on names.
 */
function forwardedHeaders(verification: Verification): Record<string, string> {
  const { principal, token } = verification;
  const { account } = principal;
  const expiration = tokenExpiration(verification);
  return {
    ...(expiration === null ? {} : { [TOKEN_EXPIRATION_HEADER]: expiration }),
    'x-tessera-user': encodeHeaderValue(account.email ?? account.internal_id ?? account.id),
    'x-tessera-kind': token.kind,
    'x-tessera-role': account.role,
    'x-tessera-teams': encodeHeaderList(account.teams.map((t) => t.name)),
    'x-tessera-team-ids': account.teams.map((t) => t.id).join(','),
    'x-tessera-token-id': token.id,
    'x-tessera-scopes': principal.token!.scopes.join(' '),
    'cache-control': 'no-store',
  };
}

/**
 * The largest body of a revocation: a secret is 46 characters, so a few KiB hold any real request, and a
 * bigger body is refused before it is read in full (413).
 */
export const REVOCATION_BODY_LIMIT = 4 * 1024;

/**
 * The endpoints other services call with nothing but the token: forward auth, introspection and
 * revocation.
 */
export async function tokenCheckRoutes(
  app: App,
  config: { forwardedPathHeader: string; introspectionAuth?: 'none' | 'caller' },
  services: { leakedSecrets: LeakedSecrets },
): Promise<void> {
  await app.register(async (check: App) => {
    // Forward auth reads nothing but headers. nginx passes a guarded request's Content-Type on without its
    // body, and turns the 400 or 415 a parser would answer into a 500 for the client: bodies are ignored.
    check.removeAllContentTypeParsers();
    check.addContentTypeParser('*', (_request, _payload, done) => done(null));
    forwardAuthRoute(check, config);
  });
  // RFC 7662 introspection and RFC 7009 revocation are form-encoded (or JSON). Everywhere else a form body
  // is what an HTML form on another site can send with the cookie, or sign a victim in with: there it is a
  // 415. These two read no cookie: the token in the body is the only credential, so a form from another
  // site can do nothing with them that its author could not do by sending the token themselves.
  await app.register(async (forms: App) => {
    await forms.register(formbody, { bodyLimit: BODY_LIMIT });
    introspectionRoute(forms, config.introspectionAuth ?? 'none');
    revocationRoute(forms, services);
  });
}

/** The header a proxy names the scopes a location requires in, as `?scope=` does. */
export const REQUIRED_SCOPE_HEADER = 'x-tessera-required-scope';

/**
 * The scopes the proxy asks for: every `scope` query parameter and every `X-Tessera-Required-Scope` header
 * (each may hold several, space- or comma-separated). A malformed one is the proxy's configuration error:
 * 403, so that the location stays closed (nginx would turn a 400 into a 500).
 */
function requiredScopes(request: FastifyRequest): string[] {
  const values: string[] = [];
  const query = (request.query as Record<string, unknown> | undefined)?.scope;
  if (typeof query === 'string') values.push(query);
  else if (Array.isArray(query)) for (const v of query) if (typeof v === 'string') values.push(v);
  const header = request.headers[REQUIRED_SCOPE_HEADER];
  if (typeof header === 'string') values.push(header);
  else if (Array.isArray(header)) values.push(...header);
  if (values.length === 0) return NONE;
  const scopes = [...new Set(values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean))];
  const bad = scopes.find((scope) => !SCOPE_NAME_PATTERN.test(scope));
  if (bad !== undefined || scopes.length > MAX_TOKEN_SCOPES) {
    throw new AppError(
      403,
      'required_scope_invalid',
      bad !== undefined
        ? `The required scope "${bad.slice(0, 64)}" is not a scope name; fix the proxy's configuration.`
        : `More than ${MAX_TOKEN_SCOPES} required scopes; fix the proxy's configuration.`,
      { field: 'scope', in: 'query' },
    );
  }
  return scopes;
}

const NONE: string[] = [];

/**
 * Forward auth: a location that requires scopes admits a token holding all of them. One that requires
 * none admits what it always has: a token with `api`, and a `scim` token on /scim/v2 paths (Tessera's SCIM
 * behind the proxy); a token limited to upstream scopes or to `read_api` opens only locations that ask.
 */
function forwardAdmission(forwardedPath: ScopePath): Admission {
  return (request, verification) => {
    const scopes = verification.principal.token!.scopes;
    const required = requiredScopes(request);
    if (required.length > 0) {
      const missing = missingScopes(scopes, required);
      if (missing.length > 0) throw insufficientScope(required);
      return;
    }
    if (scopes.includes('api')) return;
    if (scopes.includes('scim')) {
      const path = forwardedPath(request);
      if (path !== undefined && isPathWithin(path, SCIM_PREFIX)) return;
    }
    throw insufficientScope(['api']);
  };
}

function forwardAuthRoute(app: App, config: { forwardedPathHeader: string }): void {
  const admit = forwardAdmission(forwardedPathFrom(config.forwardedPathHeader));
  // A verification is shared by every request its cache entry serves and never changes (any change drops
  // it), so its headers are built once.
  const headers = new WeakMap<Verification, Record<string, string>>();
  const sendAllowed = (reply: FastifyReply, verification: Verification) => {
    let forwarded = headers.get(verification);
    if (!forwarded) {
      forwarded = forwardedHeaders(verification);
      headers.set(verification, forwarded);
    }
    reply.status(200).headers(forwarded).send(null);
  };
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/auth/check',
    config: { auth: 'public' },
    schema: {
      tags: ['Forward auth'],
      summary: 'Forward authentication for reverse proxies',
      description:
        'For nginx `auth_request`, Traefik ForwardAuth and Caddy `forward_auth`. 200 with `X-Tessera-User`, ' +
        '`X-Tessera-Kind`, `X-Tessera-Role`, `X-Tessera-Teams` (comma-separated), `X-Tessera-Team-Ids` (the ' +
        "same teams' IDs, in the same order), `X-Tessera-Token-Id`, `X-Tessera-Scopes` (the token's " +
        "effective scopes, space-separated) and `Tessera-Token-Expiration` (the token's expiry as an HTTP " +
        'date; absent for a token that never expires); 401 or 403 with the error body otherwise. Required ' +
        'scopes: `?scope=orders:read&scope=orders:write` or the header `X-Tessera-Required-Scope` (space- or ' +
        'comma-separated); all are needed, else 403 `insufficient_scope` with `WWW-Authenticate: Bearer ' +
        'error="insufficient_scope", scope="…"`. With none required, a token needs `api` (or `scim`, below). ' +
        'User and team names are sent as RFC 3986 percent-encoded UTF-8 wherever plain ASCII ' +
        'would not survive (non-ASCII, control characters, `%`, `,`, a space at either end); plain ASCII ' +
        'names are unchanged: decode each comma-separated item with `decodeURIComponent`. A `scim` token ' +
        'passes only when the proxied path, read from the header `TESSERA_FORWARDED_PATH_HEADER` names ' +
        '(default `X-Forwarded-Uri`) and normalized, is /scim/v2 or under it: 403 `forwarded_path_invalid` for a path with dot segments, encoded `/` or `\\`, or bad ' +
        'percent-encoding, 403 `forwarded_path_conflict` when another path header (`X-Forwarded-Uri`, ' +
        '`X-Original-URI`, `X-Original-URL`) disagrees with it (docs/PROXIES.md). Over the brute-force ' +
        'limits: 401 `rate_limited` with `Retry-After` (nginx treats any other status as an error). While ' +
        'the database is out and the token is not cached: 503 `service_unavailable` with `Retry-After` ' +
        '(admitting or refusing it would be a guess; docs/PROXIES.md says what each proxy makes of it).',
      response: { 200: z.null(), 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
    },
    // Not async: a token the verification cache knows is answered without a promise.
    handler: (request, reply) => {
      const header = request.headers.authorization;
      if (header === undefined) {
        throw challenged(
          401,
          'authentication_required',
          'Send the token as "Authorization: Bearer <token>".',
        );
      }
      const secret = bearerSecret(header);
      if (!secret) throw app.authentication.malformedHeader(request);
      let outcome: MaybePromise<Verification>;
      try {
        outcome = tracingOn()
          ? span('tessera.authenticate', () => app.authentication.verifyToken(request, secret, admit))
          : app.authentication.verifyToken(request, secret, admit);
      } catch (error) {
        throw asDenial(error);
      }
      if (outcome instanceof Promise) return allowWhenVerified(reply, outcome, sendAllowed);
      sendAllowed(reply, outcome);
    },
  });
}

/** The introspection caller's own token must carry `introspect`. */
const introspectionCaller: Admission = (_request, verification) => {
  if (!verification.principal.token!.scopes.includes('introspect')) throw insufficientScope(['introspect']);
};

/**
 * With TESSERA_INTROSPECTION_AUTH=caller, RFC 7662 §2.1: the caller authenticates with its own bearer
 * token, which must carry the scope `introspect`; 401 or 403 in the API's error shape otherwise.
 */
async function authenticateIntrospectionCaller(app: App, request: FastifyRequest): Promise<void> {
  const header = request.headers.authorization;
  if (header === undefined) {
    throw challenged(
      401,
      'authentication_required',
      'Introspection needs the caller\'s own token, with the scope introspect, as "Authorization: Bearer <token>".',
    );
  }
  const secret = bearerSecret(header);
  if (!secret) throw app.authentication.malformedHeader(request);
  await app.authentication.verifyToken(request, secret, introspectionCaller);
}

function introspectionRoute(app: App, auth: 'none' | 'caller'): void {
  app.post(
    '/api/introspect',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Forward auth'],
        summary: 'Token introspection (RFC 7662)',
        description:
          'Form-encoded or JSON field `token`. `{ "active": false }` for any token that would not ' +
          'authenticate, whatever the reason. With `TESSERA_INTROSPECTION_AUTH=caller`, the caller sends ' +
          'its own token as `Authorization: Bearer`, with the scope `introspect` (RFC 7662 §2.1): 401 ' +
          'without it or for one that does not authenticate, 403 `insufficient_scope` without the scope.',
        body: z.object({ token: z.string().max(1000), token_type_hint: z.string().max(100).optional() }),
        response: { 200: Introspection, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (auth === 'caller') await authenticateIntrospectionCaller(app, request);
      const result = await app.authentication.checkToken(request, request.body.token);
      if (!result.ok) return { active: false };
      const { account, token } = result.verification.principal;
      return {
        active: true,
        sub: account.id,
        username: account.email ?? account.internal_id ?? account.id,
        token_type: token!.kind,
        token_id: token!.id,
        name: token!.name,
        ...(token!.expires_at ? { exp: Math.floor(token!.expires_at.getTime() / 1000) } : {}),
        iat: Math.floor(token!.created_at.getTime() / 1000),
        scope: token!.scopes.join(' '),
        role: account.role,
        teams: account.teams.map((t) => t.name),
      };
    },
  );
}

function revocationRoute(app: App, services: { leakedSecrets: LeakedSecrets }): void {
  app.post(
    '/api/revoke',
    {
      config: { auth: 'public' },
      bodyLimit: REVOCATION_BODY_LIMIT,
      schema: {
        tags: ['Forward auth'],
        summary: 'Token revocation (RFC 7009)',
        description:
          'Form-encoded or JSON field `token`, optional `token_type_hint` (ignored: a Tessera secret says ' +
          'what it is). Authenticated by the token itself: whoever holds a secret can revoke it, with the ' +
          'reason "revoked by value", audited. 200 with an empty body whether or not the token was valid ' +
          '(RFC 7009 §2.2), so the answer tells nothing of the secret; a token that would not authenticate ' +
          'counts as a failed authentication against the brute-force limits (429 over them). 413 for a ' +
          'body over 4 KiB.',
        body: z.object({ token: z.string().max(1000), token_type_hint: z.string().max(100).optional() }),
        response: { 200: z.null(), 400: ErrorBody, 413: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const result = await app.authentication.checkToken(request, request.body.token);
      if (result.ok) {
        const holder = { principal: result.verification.principal, ...requestOrigin(request) };
        await services.leakedSecrets.revokeHeld(holder, result.verification.token.id);
      }
      // An empty body (RFC 7009 §2.2: the client ignores it), not the JSON `null` the schema would serialize.
      return reply.status(200).send(undefined as unknown as null);
    },
  );
}
