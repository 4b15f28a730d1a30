import type { Kysely } from 'kysely';
import type { AuditLog } from '../../audit/audit-log.ts';
import { checkSecret, secretHint } from '../../core/secret.ts';
import { tokenStatus } from '../../core/token-status.ts';
import type { Principal } from '../../platform/caller.ts';
import type { Clock } from '../../platform/clock.ts';
import { sha256Hex } from '../../platform/hashing.ts';
import type { CounterHandle, Metrics } from '../../platform/metrics.ts';
import type { Database } from '../../platform/schema.ts';
import { keptUserAgent, type LastUsedRecorder } from '../../tokens/last-used.ts';
import type { TokenWithOwner } from '../../tokens/queries.ts';
import { findTokenPrincipal, type PrincipalAccountRow } from '../queries.ts';
import {
  type CachedVerification,
  UNKNOWN,
  type VerificationAnswers,
  type VerificationCache,
} from './cache.ts';

export const TOKEN_FAILURE_CODES = [
  'token_malformed',
  'token_unknown',
  'token_revoked',
  'token_expired',
  'owner_deactivated',
] as const;
export type TokenFailureCode = (typeof TOKEN_FAILURE_CODES)[number];

export type TokenAuthentication =
  | { ok: true; principal: Principal }
  | { ok: false; code: TokenFailureCode; description: string };

export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
}

const DESCRIPTIONS: Record<TokenFailureCode, string> = {
  token_malformed: 'This is not a Tessera token, or it has a typo: its checksum does not match.',
  token_unknown: 'No such token: it was never issued, or it has been deleted.',
  token_revoked: 'This token has been revoked.',
  token_expired: 'This token has expired.',
  owner_deactivated: 'The account that owns this token is deactivated.',
};

export function principalFromAccount(
  account: PrincipalAccountRow,
  via: Principal['via'],
  extra: Pick<Principal, 'token' | 'session'>,
): Principal {
  const { deactivated_at: _, ...rest } = account;
  return { account: rest, via, ...extra };
}

/** Where a token's principal keeps the verification it was built from: see `verifiedToken`. */
const VERIFIED = Symbol('verified');
type VerifiedPrincipal = Principal & { readonly [VERIFIED]?: CachedVerification };

/**
 * The answer for a verified token. A cached verification keeps it, so every request the entry serves
 * shares one frozen principal (and one answer object) instead of building its own: nothing changes a
 * principal, and any change to the token or its owner drops the entry (and its principal) from the cache.
 */
function admittedBy(found: CachedVerification): TokenAuthentication {
  if (found.admitted) return found.admitted;
  const { id, kind, name, scim_only, created_at, expires_at } = found.token;
  const principal = principalFromAccount(found.account, 'token', {
    token: { id, kind, name, scim_only, created_at, expires_at },
    session: null,
  });
  // A symbol, not enumerable: the principal is logged and serialized as before, and reaching the row
  // from it is a property read, where a WeakMap would be a hash lookup on every request.
  Object.defineProperty(principal, VERIFIED, { value: found });
  found.admitted = Object.freeze({ ok: true, principal: deepFreeze(principal) });
  return found.admitted;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child);
  }
  return Object.freeze(value);
}

/**
 * The verification this principal was built from: the token's row as it was read, and the last use this
 * node noted through it (`pendingUse`, newer than the row's). Undefined for a session.
 */
export function verifiedToken(principal: Principal): CachedVerification | undefined {
  return (principal as VerifiedPrincipal)[VERIFIED];
}

/**
 * Where a route keeps what it derives from a token's principal, for the next request the same cache entry
 * serves: a property read, where a WeakMap keyed by the principal would be a hash lookup per request.
 * Undefined for a session, whose principal is built for its request alone.
 */
export function answersOf(principal: Principal): VerificationAnswers | undefined {
  const verified = verifiedToken(principal);
  if (verified === undefined) return undefined;
  verified.answers ??= {};
  return verified.answers;
}

/**
 * A verification's token row in the shape the token views take (its last use as read: the views put the
 * verification's own `pendingUse` over it). Lets `GET /api/me` answer without reading the database again.
 */
export function verifiedTokenRow({ token, account }: CachedVerification): TokenWithOwner {
  return {
    ...token,
    owner_kind: account.kind,
    owner_name: account.name,
    owner_email: account.email,
    owner_internal_id: account.internal_id,
    owner_avatar_url: account.avatar_url,
    owner_deactivated_at: account.deactivated_at,
  };
}

/**
 * Checks a bearer secret in the order of the spec: shape and checksum (no I/O), lookup by SHA-256,
 * status, owner active. Scope (scim_only) and role are the caller's to check against the route.
 *
 * The lookup goes through the verification cache: on a hit there is no database round trip at all.
 * Status and expiry are still worked out on every request, from the cached timestamps and the clock.
 */
export class TokenAuthenticator {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #lastUsed: LastUsedRecorder;
  readonly #audit: AuditLog;
  readonly #metrics: Metrics;
  readonly #cache: VerificationCache;
  readonly #counted: {
    hit: CounterHandle;
    unknownHit: CounterHandle;
    miss: CounterHandle;
    success: CounterHandle;
  };

  constructor(deps: {
    db: Kysely<Database>;
    clock: Clock;
    lastUsed: LastUsedRecorder;
    audit: AuditLog;
    metrics: Metrics;
    cache: VerificationCache;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#lastUsed = deps.lastUsed;
    this.#audit = deps.audit;
    this.#metrics = deps.metrics;
    this.#cache = deps.cache;
    this.#counted = {
      hit: deps.metrics.authCache.handle({ result: 'hit' }),
      unknownHit: deps.metrics.authCache.handle({ result: 'unknown_hit' }),
      miss: deps.metrics.authCache.handle({ result: 'miss' }),
      success: deps.metrics.authentications.handle({ result: 'success' }),
    };
  }

  /**
   * Answers at once (no promise) when the verification cache knows the secret: that is the hot path of
   * every request with a token. Otherwise a promise of the database's answer.
   */
  authenticate(secret: string, origin: RequestOrigin): TokenAuthentication | Promise<TokenAuthentication> {
    const hash = sha256Hex(secret);
    return this.#fromCache(hash, secret, origin) ?? this.#fromDatabase(hash, secret, origin);
  }

  /**
   * The cache only ever holds hashes of secrets that passed the checksum, so a hit needs no second look
   * at the secret's shape (a SHA-256 collision is not a practical worry). Undefined: ask the database.
   */
  #fromCache(hash: string, secret: string, origin: RequestOrigin): TokenAuthentication | undefined {
    const cached = this.#cache.lookup(hash);
    if (cached === undefined) return undefined;
    if (cached === UNKNOWN) {
      this.#counted.unknownHit.inc();
      return this.#fail('token_unknown', origin, null, secretHint(secret));
    }
    this.#counted.hit.inc();
    return this.#decide(cached, secret, origin);
  }

  async #fromDatabase(hash: string, secret: string, origin: RequestOrigin): Promise<TokenAuthentication> {
    if (!checkSecret(secret).valid) return this.#fail('token_malformed', origin, null, null);
    this.#counted.miss.inc();
    const epoch = this.#cache.epoch;
    const row = await findTokenPrincipal(this.#db, hash);
    const found = this.#cache.remember(hash, row, epoch) ?? row;
    if (!found) return this.#fail('token_unknown', origin, null, secretHint(secret));
    return this.#decide(found, secret, origin);
  }

  #decide(found: CachedVerification, secret: string, origin: RequestOrigin): TokenAuthentication {
    const now = this.#clock.now();
    const status = tokenStatus(found.token, now);
    if (status === 'expired') return this.#fail('token_expired', origin, found.token.id, secretHint(secret));
    if (status === 'revoked') return this.#fail('token_revoked', origin, found.token.id, secretHint(secret));
    if (found.account.deactivated_at)
      return this.#fail('owner_deactivated', origin, found.token.id, secretHint(secret));
    const userAgent = keptUserAgent(origin.userAgent);
    found.pendingUse = this.#lastUsed.record(
      found.token.id,
      now.getTime(),
      origin.ip,
      userAgent,
      found.pendingUse,
    );
    this.#counted.success.inc();
    return admittedBy(found);
  }

  #fail(
    code: TokenFailureCode,
    origin: RequestOrigin,
    tokenId: string | null,
    hint: string | null,
  ): TokenAuthentication {
    this.#metrics.authentications.inc({ result: code });
    this.#audit.noteFailedAuthentication({ code, ip: origin.ip, userAgent: origin.userAgent, tokenId, hint });
    return { ok: false, code, description: DESCRIPTIONS[code] };
  }
}
