import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/index.ts';
import { normalizeRequestPath } from '../core/request-path.ts';
import { apiScopeAllows, apiScopeNeeded } from '../core/scopes.ts';
import type { Principal } from '../platform/caller.ts';
import { AppError } from '../platform/errors.ts';
import { sameString, sha256Hex } from '../platform/hashing.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { AttemptLimiter, LimitName } from './attempt-limiter.ts';
import {
  assertSameOrigin,
  CSRF_HEADER,
  challenged,
  insufficientScope,
  type MaybePromise,
  requestOrigin,
  SESSION_COOKIE,
  tokenFailure,
} from './credentials.ts';
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

/**
 * The normalized path a token is used for (src/core/request-path.ts), which a token's scopes are checked
 * against; undefined for a path that cannot be normalized, which no scope holds. May throw the refusal
 * itself, to say why.
 */
export type ScopePath = (request: FastifyRequest) => string | undefined;

/** Whether a verified token may make this request: throws the refusal (403 insufficient_scope) if not. */
export type Admission = (request: FastifyRequest, verification: Verification) => void;

/**
 * A token calling Tessera itself. Fastify has routed the raw URL already; the scope is judged on the
 * same normalized path as behind a proxy, so that no encoding of a route reads as under /scim/v2.
 */
export const requestPath: ScopePath = (request) => {
  const result = normalizeRequestPath(request.url);
  return result.ok ? result.path : undefined;
};

/** Tessera's own routes: `api` may call any, `read_api` only reads under /api/, `scim` only /scim/v2/. */
export const apiAdmission: Admission = (request, verification) => {
  const scopes = verification.principal.token!.scopes;
  // The usual token carries `api`: admitted without looking at the path.
  if (scopes.includes('api')) return;
  const path = requestPath(request);
  if (!apiScopeAllows(scopes, request.method, path)) {
    throw insufficientScope([apiScopeNeeded(request.method, path)]);
  }
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const LIMITED: Record<LimitName, string> = {
  auth_address: 'Too many failed authentications from this address',
  auth_token: 'Too many failed attempts with this token',
  sign_in_address: 'Too many failed sign-ins from this address',
  sign_in_email: 'Too many failed sign-ins for this account',
  sso_start_address: 'Too many single sign-on starts from this address',
};

/** Token failures that name a token that exists: they also count against that token's own budget. */
const KNOWN_TOKEN_FAILURES = new Set([
  'token_revoked',
  'token_expired',
  'owner_deactivated',
  'token_network',
]);

/**
 * Credentials checked under the brute-force limits: an address (or a known token) over its failure budget
 * is refused before any lookup, and only failures use up a budget. One per app.
 */
export class RequestAuthenticator {
  readonly #services: AuthServices;
  readonly attempts: AttemptLimiter;

  constructor(services: AuthServices, attempts: AttemptLimiter) {
    this.#services = services;
    this.attempts = attempts;
  }

  /** 429 with Retry-After; counted in /metrics and summed into the audit log like other failures. */
  rateLimited(request: FastifyRequest, blocked: { limit: LimitName; retryAfter: number }): AppError {
    this.#services.metrics.rateLimited.inc({ limit: blocked.limit });
    this.#services.audit.noteFailedAuthentication({
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

  /** A bearer secret's authentication, whatever it is. Synchronous on a cache hit. */
  checkToken(
    request: FastifyRequest,
    secret: string,
    origin: RequestOrigin = requestOrigin(request),
  ): MaybePromise<TokenAuthentication> {
    // The SHA-256 identifies a token: the per-token budget and the verification cache are both keyed by it.
    const hash = sha256Hex(secret);
    const blocked =
      this.attempts.blocked('auth_address', origin.ip) ?? this.attempts.blocked('auth_token', hash);
    if (blocked) throw this.rateLimited(request, blocked);
    const outcome = this.#services.authenticator.authenticate(secret, origin, hash);
    return outcome instanceof Promise
      ? outcome.then((result) => this.#countFailure(origin, hash, result))
      : this.#countFailure(origin, hash, outcome);
  }

  /** The verification of a bearer secret that `admit` lets through, or the failure thrown. */
  verifyToken(
    request: FastifyRequest,
    secret: string,
    admit: Admission,
    origin: RequestOrigin = requestOrigin(request),
  ): MaybePromise<Verification> {
    const outcome = this.checkToken(request, secret, origin);
    return outcome instanceof Promise
      ? outcome.then((result) => allowed(request, admit, result))
      : allowed(request, admit, outcome);
  }

  /** A credential that fails before any lookup (a header that is not `Bearer <token>`). */
  malformedHeader(request: FastifyRequest): AppError {
    const blocked = this.attempts.blocked('auth_address', request.ip);
    if (blocked) return this.rateLimited(request, blocked);
    this.attempts.fail('auth_address', request.ip);
    this.#services.metrics.authentications.inc({ result: 'token_malformed' });
    return tokenFailure({
      ok: false,
      code: 'token_malformed',
      description: 'Send the token as "Authorization: Bearer <token>".',
    });
  }

  /** The session cookie's principal; a change made with it must also pass the CSRF checks. */
  async session(request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) {
      throw challenged(
        401,
        'authentication_required',
        'Sign in, or send a token as "Authorization: Bearer <token>".',
      );
    }
    const blocked = this.attempts.blocked('auth_address', request.ip);
    if (blocked) throw this.rateLimited(request, blocked);
    const principal = await this.#services.sessions.authenticate(cookie);
    if (!principal) {
      this.attempts.fail('auth_address', request.ip);
      this.#services.metrics.authentications.inc({ result: 'session_invalid' });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      throw challenged(401, 'session_expired', 'Your session has ended; sign in again.');
    }
    this.#services.metrics.authentications.inc({ result: 'session' });
    if (!SAFE_METHODS.has(request.method)) {
      assertSameOrigin(request);
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameString(sent, principal.session!.csrfToken)) {
        throw new AppError(403, 'csrf_failed', `Missing or wrong ${CSRF_HEADER} header; reload the page.`);
      }
    }
    return principal;
  }

  #countFailure(origin: RequestOrigin, hash: string, result: TokenAuthentication): TokenAuthentication {
    if (!result.ok) {
      this.attempts.fail('auth_address', origin.ip);
      if (KNOWN_TOKEN_FAILURES.has(result.code)) this.attempts.fail('auth_token', hash);
    }
    return result;
  }
}

function allowed(request: FastifyRequest, admit: Admission, result: TokenAuthentication): Verification {
  if (!result.ok) throw tokenFailure(result);
  admit(request, result.verification);
  return result.verification;
}
