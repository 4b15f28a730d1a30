import type { Kysely } from 'kysely';
import { checkSecret, secretHint } from '../core/secret.ts';
import { tokenStatus } from '../core/token-status.ts';
import { findTokenPrincipal, type PrincipalAccountRow } from '../db/queries/principals.ts';
import type { Database } from '../db/schema.ts';
import type { AuditLog } from './audit.ts';
import type { Clock } from './clock.ts';
import { sha256Hex } from './hashing.ts';
import type { LastUsedRecorder } from './last-used.ts';
import type { Metrics } from './metrics.ts';
import type { Principal } from './principal.ts';

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

/**
 * Checks a bearer secret in the order of the spec: shape and checksum (no I/O), lookup by SHA-256,
 * status, owner active. Scope (scim_only) and role are the caller's to check against the route.
 */
export class TokenAuthenticator {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #lastUsed: LastUsedRecorder;
  readonly #audit: AuditLog;
  readonly #metrics: Metrics;

  constructor(deps: {
    db: Kysely<Database>;
    clock: Clock;
    lastUsed: LastUsedRecorder;
    audit: AuditLog;
    metrics: Metrics;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#lastUsed = deps.lastUsed;
    this.#audit = deps.audit;
    this.#metrics = deps.metrics;
  }

  async authenticate(secret: string, origin: RequestOrigin): Promise<TokenAuthentication> {
    if (!checkSecret(secret).valid) return this.#fail('token_malformed', origin, null, null);
    const found = await findTokenPrincipal(this.#db, sha256Hex(secret));
    if (!found) return this.#fail('token_unknown', origin, null, secretHint(secret));
    const now = this.#clock.now();
    const status = tokenStatus(found.token, now);
    if (status === 'expired') return this.#fail('token_expired', origin, found.token.id, secretHint(secret));
    if (status === 'revoked') return this.#fail('token_revoked', origin, found.token.id, secretHint(secret));
    if (found.account.deactivated_at)
      return this.#fail('owner_deactivated', origin, found.token.id, secretHint(secret));
    this.#lastUsed.record(found.token.id, now, origin.ip, origin.userAgent);
    this.#metrics.authentications.inc({ result: 'success' });
    const { revoked_at: _, ...token } = found.token;
    return { ok: true, principal: principalFromAccount(found.account, 'token', { token, session: null }) };
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
