import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/index.ts';
import { isPathWithin, normalizeRequestPath } from '../core/request-path.ts';
import type { Principal } from '../platform/caller.ts';
import { AppError } from '../platform/errors.ts';
import { sameString, sha256Hex } from '../platform/hashing.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { AttemptLimiter, LimitName } from './attempt-limiter.ts';
import type { SessionService } from './sessions.ts';
import type {
  RequestOrigin,
  TokenAuthentication,
  TokenAuthenticator,
  Verification,
} from './verification/index.ts';

/** What authenticating a request needs. */
export interface AuthServices {
  authenticator: TokenAuthenticator;
  sessions: SessionService;
  audit: AuditLog;
  metrics: Metrics;
}

export const SESSION_COOKIE = 'tessera_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A SCIM-only token's whole scope: this path and everything under it, compared after normalization. */
export const SCIM_PREFIX = '/scim/v2';

declare module 'fastify' {
  interface FastifyRequest {
    /** The token's verification, when a token authenticated the request; null for a session. */
    verification: Verification | null;
  }
  interface FastifyInstance {
    /** Brute-force limits on failed authentications and sign-ins (this process's memory). */
    attempts: AttemptLimiter;
  }
  interface FastifyContextConfig {
    /** `public`: the route authenticates nobody (or does it itself). Default: a session or a token. */
    auth?: 'public';
  }
}

function bearerChallenge(error?: string, description?: string): Record<string, string> {
  const parts = ['realm="tessera"'];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description.replace(/["\\]/g, '')}"`);
  return { 'www-authenticate': `Bearer ${parts.join(', ')}` };
}

/** RFC 6750: 401 with `error="invalid_token"` for a token that fails, and the failure's code in the body. */
export function tokenFailure(result: Extract<TokenAuthentication, { ok: false }>): AppError {
  return new AppError(
    401,
    result.code,
    result.description,
    undefined,
    bearerChallenge('invalid_token', result.description),
  );
}

export function insufficientScope(): AppError {
  const description = 'This token is SCIM-only: it may call nothing but /scim/v2/.';
  return new AppError(
    403,
    'insufficient_scope',
    description,
    undefined,
    bearerChallenge('insufficient_scope', description),
  );
}

export function requestOrigin(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

/** A value now, or a promise of it: a token the verification cache knows is checked without a promise. */
export type MaybePromise<T> = T | Promise<T>;

/** `Authorization: Bearer <secret>`; anything else in the header is malformed. */
export function bearerSecret(header: string): string | undefined {
  // Every request with a token comes here: the usual header, `Bearer ` and printable ASCII, is cut
  // without a regex (and without the array a match makes). Anything else gets the full rule.
  if (header.startsWith('Bearer ') && isPrintableAscii(header, 7)) return header.slice(7);
  return BEARER.exec(header)?.[1];
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/** At least one character from `from` on, and none of them a space, a control or a non-ASCII one. */
function isPrintableAscii(text: string, from: number): boolean {
  if (text.length <= from) return false;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return false;
  }
  return true;
}

/**
 * A cross-site page cannot forge a state change: the browser's own Origin / Sec-Fetch-Site must say
 * same-origin when it sends them (every current browser does), and the CSRF token — which only
 * same-origin script can read, from sign-in or /api/me — must be in a header.
 */
export function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new AppError(403, 'csrf_failed', 'Cross-site request refused.');
  }
  // Hosts, not schemes: behind a TLS-terminating proxy the server sees http while the browser says https.
  const origin = request.headers.origin;
  if (origin && originHost(origin) !== request.host.toLowerCase()) {
    throw new AppError(403, 'csrf_failed', 'Cross-origin request refused.');
  }
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

const LIMITED: Record<LimitName, string> = {
  auth_address: 'Too many failed authentications from this address',
  auth_token: 'Too many failed attempts with this token',
  sign_in_address: 'Too many failed sign-ins from this address',
  sign_in_email: 'Too many failed sign-ins for this account',
};

/** 429 with Retry-After; counted in /metrics and summed into the audit log like other failures. */
export function rateLimited(
  services: AuthServices,
  request: FastifyRequest,
  blocked: { limit: LimitName; retryAfter: number },
): AppError {
  services.metrics.rateLimited.inc({ limit: blocked.limit });
  services.audit.noteFailedAuthentication({
    code: `rate_limited:${blocked.limit}`,
    ...requestOrigin(request),
    tokenId: null,
    hint: null,
  });
  return new AppError(
    429,
    'rate_limited',
    `${LIMITED[blocked.limit]}; try again in ${blocked.retryAfter} s.`,
    { retry_after: blocked.retryAfter },
    { 'retry-after': String(blocked.retryAfter) },
  );
}

/** Token failures that name a token that exists: they also count against that token's own budget. */
const KNOWN_TOKEN_FAILURES = new Set(['token_revoked', 'token_expired', 'owner_deactivated']);

/**
 * Authenticate a bearer secret under the brute-force limits: an address (or a known token) over its
 * failure budget is refused before any lookup; only failures use up a budget. Synchronous on a cache hit.
 */
export function checkTokenLimited(
  services: AuthServices,
  attempts: AttemptLimiter,
  request: FastifyRequest,
  secret: string,
  origin: RequestOrigin = requestOrigin(request),
): MaybePromise<TokenAuthentication> {
  // The per-token budget is keyed by the secret's SHA-256 (what identifies a token); hashed only when
  // some token is being counted, so valid traffic pays nothing.
  const tokenKey = attempts.counting('auth_token') ? sha256Hex(secret) : undefined;
  const blocked =
    attempts.blocked('auth_address', origin.ip) ??
    (tokenKey === undefined ? undefined : attempts.blocked('auth_token', tokenKey));
  if (blocked) throw rateLimited(services, request, blocked);
  const outcome = services.authenticator.authenticate(secret, origin);
  // No closure on the synchronous path (a cache hit): only a promise needs one.
  return outcome instanceof Promise
    ? outcome.then((result) => countFailure(attempts, origin, secret, tokenKey, result))
    : countFailure(attempts, origin, secret, tokenKey, outcome);
}

function countFailure(
  attempts: AttemptLimiter,
  origin: RequestOrigin,
  secret: string,
  tokenKey: string | undefined,
  result: TokenAuthentication,
): TokenAuthentication {
  if (!result.ok) {
    attempts.fail('auth_address', origin.ip);
    if (KNOWN_TOKEN_FAILURES.has(result.code)) attempts.fail('auth_token', tokenKey ?? sha256Hex(secret));
  }
  return result;
}

/** A credential that fails before any lookup (a header that is not `Bearer <token>`). */
export function malformedHeader(
  services: AuthServices,
  attempts: AttemptLimiter,
  request: FastifyRequest,
): AppError {
  const blocked = attempts.blocked('auth_address', request.ip);
  if (blocked) return rateLimited(services, request, blocked);
  attempts.fail('auth_address', request.ip);
  services.metrics.authentications.inc({ result: 'token_malformed' });
  return tokenFailure({
    ok: false,
    code: 'token_malformed',
    description: 'Send the token as "Authorization: Bearer <token>".',
  });
}

/**
 * The normalized path a token is used for (src/core/request-path.ts), which a SCIM-only token's scope is
 * checked against; undefined for a path that cannot be normalized, which no scope holds. May throw the
 * refusal itself, to say why.
 */
export type ScopePath = (request: FastifyRequest) => string | undefined;

/**
 * A token calling Tessera itself. Fastify has routed the raw URL already; the scope is judged on the
 * same normalized path as behind a proxy, so that no encoding of a route reads as under /scim/v2.
 */
const requestPath: ScopePath = (request) => {
  const result = normalizeRequestPath(request.url);
  return result.ok ? result.path : undefined;
};

/** The verification of a bearer secret, or the failure thrown; `pathOf` is only asked for a SCIM-only token. */
export function authenticateToken(
  services: AuthServices,
  attempts: AttemptLimiter,
  request: FastifyRequest,
  secret: string,
  pathOf: ScopePath,
  origin: RequestOrigin = requestOrigin(request),
): MaybePromise<Verification> {
  const outcome = checkTokenLimited(services, attempts, request, secret, origin);
  return outcome instanceof Promise
    ? outcome.then((result) => allowed(request, pathOf, result))
    : allowed(request, pathOf, outcome);
}

function allowed(request: FastifyRequest, pathOf: ScopePath, result: TokenAuthentication): Verification {
  if (!result.ok) throw tokenFailure(result);
  if (result.verification.token.scim_only) {
    const path = pathOf(request);
    if (path === undefined || !isPathWithin(path, SCIM_PREFIX)) throw insufficientScope();
  }
  return result.verification;
}

async function authenticateSession(
  services: AuthServices,
  attempts: AttemptLimiter,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Principal> {
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) {
    throw new AppError(
      401,
      'authentication_required',
      'Sign in, or send a token as "Authorization: Bearer <token>".',
      undefined,
      bearerChallenge(),
    );
  }
  const blocked = attempts.blocked('auth_address', request.ip);
  if (blocked) throw rateLimited(services, request, blocked);
  const principal = await services.sessions.authenticate(cookie);
  if (!principal) {
    attempts.fail('auth_address', request.ip);
    services.metrics.authentications.inc({ result: 'session_invalid' });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    throw new AppError(
      401,
      'session_expired',
      'Your session has ended; sign in again.',
      undefined,
      bearerChallenge(),
    );
  }
  services.metrics.authentications.inc({ result: 'session' });
  if (!SAFE_METHODS.has(request.method)) {
    assertSameOrigin(request);
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameString(sent, principal.session!.csrfToken)) {
      throw new AppError(403, 'csrf_failed', `Missing or wrong ${CSRF_HEADER} header; reload the page.`);
    }
  }
  return principal;
}

export function registerAuthentication(
  app: FastifyInstance,
  services: AuthServices,
  attempts: AttemptLimiter,
): void {
  app.decorate('attempts', attempts);
  app.decorateRequest('caller', null);
  app.decorateRequest('verification', null);
  // A callback hook, not an async one: a token the cache knows is then admitted without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    // No route matched: the not-found handler answers, and says nothing about what exists.
    // One read: Fastify builds a new routeOptions object on every access.
    const route = request.routeOptions;
    if (!route.url || route.config.auth === 'public') return done();
    const origin = requestOrigin(request);
    const header = request.headers.authorization;
    if (header === undefined) {
      authenticateSession(services, attempts, request, reply).then((principal) => {
        request.caller = { principal, ip: origin.ip, userAgent: origin.userAgent };
        done();
      }, done);
      return;
    }
    let outcome: MaybePromise<Verification>;
    try {
      const secret = bearerSecret(header);
      if (!secret) throw malformedHeader(services, attempts, request);
      outcome = authenticateToken(services, attempts, request, secret, requestPath, origin);
    } catch (error) {
      return done(error as Error);
    }
    if (outcome instanceof Promise) {
      outcome.then((verification) => {
        admitToken(request, origin, verification);
        done();
      }, done);
    } else {
      admitToken(request, origin, outcome);
      done();
    }
  });
}

function admitToken(request: FastifyRequest, origin: RequestOrigin, verification: Verification): void {
  request.caller = { principal: verification.principal, ip: origin.ip, userAgent: origin.userAgent };
  request.verification = verification;
}
