import { OWNER_DEACTIVATED_REASON } from '../../accounts/index.ts';
import type { AuditLog } from '../../audit/index.ts';
import { checkSecret, secretHint } from '../../core/secret.ts';
import { tokenStatus } from '../../core/token-status.ts';
import type { Clock } from '../../platform/clock.ts';
import { sha256Hex } from '../../platform/hashing.ts';
import type { CounterHandle, Metrics } from '../../platform/metrics.ts';
import { annotate, span, tracingOn } from '../../platform/tracing.ts';
import { keptUserAgent, type LastUsedRecorder } from '../../tokens/index.ts';
import { UNKNOWN, type Verification, type VerificationCache } from './cache.ts';
import { CacheMisses } from './misses.ts';
import type { VerificationLookup } from './queries.ts';

export const TOKEN_FAILURE_CODES = [
  'token_malformed',
  'token_unknown',
  'token_revoked',
  'token_expired',
  'owner_deactivated',
  'token_network',
] as const;
export type TokenFailureCode = (typeof TOKEN_FAILURE_CODES)[number];

export type TokenAuthentication =
  | { ok: true; verification: Verification }
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
  token_network: "This token may not be used from this client's network address.",
};

/**
 * Checks a bearer secret in the order of the spec: shape and checksum (no I/O), lookup by SHA-256,
 * status, owner active. Scopes and role are the caller's to check against the route.
 *
 * The lookup goes through the verification cache: on a hit there is no database round trip at all.
 * Status and expiry are still worked out on every request, from the cached timestamps and the clock.
 */
export class TokenAuthenticator {
  readonly #misses: CacheMisses;
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
    lookup: VerificationLookup;
    clock: Clock;
    lastUsed: LastUsedRecorder;
    audit: AuditLog;
    metrics: Metrics;
    cache: VerificationCache;
  }) {
    this.#misses = new CacheMisses({ lookup: deps.lookup, cache: deps.cache });
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
  authenticate(
    secret: string,
    origin: RequestOrigin,
    hash = sha256Hex(secret),
  ): TokenAuthentication | Promise<TokenAuthentication> {
    return this.#fromCache(hash, secret, origin) ?? this.#fromDatabase(hash, secret, origin);
  }

  /**
   * The cache only ever holds hashes of secrets that passed the checksum, so a hit needs no second look
   * at the secret's shape (a SHA-256 collision is not a practical worry). Undefined: ask the database.
   */
  #fromCache(hash: string, secret: string, origin: RequestOrigin): TokenAuthentication | undefined {
    const cached = tracingOn()
      ? span('tessera.verification_cache', () => {
          const found = this.#cache.lookup(hash);
          annotate({
            'tessera.cache.result': found === undefined ? 'miss' : found === UNKNOWN ? 'unknown_hit' : 'hit',
          });
          return found;
        })
      : this.#cache.lookup(hash);
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
    const found = await this.#misses.find(hash);
    if (!found) return this.#fail('token_unknown', origin, null, secretHint(secret));
    return this.#decide(found, secret, origin);
  }

  #decide(found: Verification, secret: string, origin: RequestOrigin): TokenAuthentication {
    const now = this.#clock.now();
    const status = tokenStatus(found.token, now);
    if (status === 'expired') return this.#fail('token_expired', origin, found.token.id, secretHint(secret));
    if (status === 'revoked') {
      // Revoked by its owner's deactivation (in the console or through SCIM): while the owner stays
      // deactivated, that is the reason to give. Reactivation restores no token: then it is just revoked.
      const code =
        found.account.deactivated_at && found.token.revoked_reason === OWNER_DEACTIVATED_REASON
          ? 'owner_deactivated'
          : 'token_revoked';
      return this.#fail(code, origin, found.token.id, secretHint(secret));
    }
    if (found.account.deactivated_at)
      return this.#fail('owner_deactivated', origin, found.token.id, secretHint(secret));
    // On every request, cache hits too: the address is the request's, not the token's.
    if (found.fence && !found.fence(origin.ip))
      return this.#fail('token_network', origin, found.token.id, secretHint(secret));
    found.pendingUse = this.#lastUsed.record(
      found.token.id,
      now.getTime(),
      origin.ip,
      keptUserAgent(origin.userAgent),
    );
    this.#counted.success.inc();
    if (tracingOn()) annotate({ 'tessera.auth.result': 'success', 'tessera.token.id': found.token.id });
    return { ok: true, verification: found };
  }

  #fail(
    code: TokenFailureCode,
    origin: RequestOrigin,
    tokenId: string | null,
    hint: string | null,
  ): TokenAuthentication {
    this.#metrics.authentications.inc({ result: code });
    // An existing token refused (revoked, expired, owner deactivated): counted apart from its uses.
    if (tokenId !== null) this.#lastUsed.recordFailure(tokenId, this.#clock.now().getTime());
    if (tracingOn()) annotate({ 'tessera.auth.result': code });
    this.#audit.noteFailedAuthentication({ code, ip: origin.ip, userAgent: origin.userAgent, tokenId, hint });
    return { ok: false, code, description: DESCRIPTIONS[code] };
  }
}
