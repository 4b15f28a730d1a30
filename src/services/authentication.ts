import type { Kysely } from 'kysely';
import { checkSecret, secretHint } from '../core/secret.ts';
import { tokenStatus } from '../core/token-status.ts';
import { findTokenPrincipal, type PrincipalAccountRow } from '../db/queries/principals.ts';
import type { TokenWithOwner } from '../db/queries/tokens.ts';
import type { Database } from '../db/schema.ts';
import type { AuditLog } from './audit.ts';
import type { Clock } from './clock.ts';
import { sha256Hex } from './hashing.ts';
import type { LastUsedRecorder } from './last-used.ts';
import type { Metrics } from './metrics.ts';
import type { Principal } from './principal.ts';
import { type CachedVerification, UNKNOWN, type VerificationCache } from './verification-cache.ts';

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

/** The token row each token-authenticated principal was verified with, for `GET /api/me`. */
const verifiedWith = new WeakMap<Principal, CachedVerification>();

/**
 * The row of the token this principal authenticated with, as of this request, in the shape the token
 * views take; undefined for a session. Lets `GET /api/me` answer without reading the database again.
 */
export function verifiedTokenRow(principal: Principal): TokenWithOwner | undefined {
  const verified = verifiedWith.get(principal);
  if (!verified) return undefined;
  const { token, account } = verified;
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
  }

  async authenticate(secret: string, origin: RequestOrigin): Promise<TokenAuthentication> {
    if (!checkSecret(secret).valid) return this.#fail('token_malformed', origin, null, null);
    const hash = sha256Hex(secret);
    const cached = this.#cache.lookup(hash);
    let found: CachedVerification | undefined;
    if (cached === UNKNOWN) {
      this.#metrics.authCache.inc({ result: 'unknown_hit' });
    } else if (cached) {
      this.#metrics.authCache.inc({ result: 'hit' });
      found = cached;
    } else {
      this.#metrics.authCache.inc({ result: 'miss' });
      const epoch = this.#cache.epoch;
      const row = await findTokenPrincipal(this.#db, hash);
      this.#cache.remember(hash, row, epoch);
      found = row;
    }
    if (!found) return this.#fail('token_unknown', origin, null, secretHint(secret));
    const now = this.#clock.now();
    const status = tokenStatus(found.token, now);
    if (status === 'expired') return this.#fail('token_expired', origin, found.token.id, secretHint(secret));
    if (status === 'revoked') return this.#fail('token_revoked', origin, found.token.id, secretHint(secret));
    if (found.account.deactivated_at)
      return this.#fail('owner_deactivated', origin, found.token.id, secretHint(secret));
    this.#lastUsed.record(found.token.id, now, origin.ip, origin.userAgent);
    this.#cache.noteUse(found, now, origin.ip, origin.userAgent);
    this.#metrics.authentications.inc({ result: 'success' });
    const { id, kind, name, scim_only, created_at, expires_at } = found.token;
    const principal = principalFromAccount(found.account, 'token', {
      token: { id, kind, name, scim_only, created_at, expires_at },
      session: null,
    });
    verifiedWith.set(principal, found);
    return { ok: true, principal };
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
