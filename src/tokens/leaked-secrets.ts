import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/index.ts';
import { checkSecret, findSecrets, MAX_LEAKED_SECRETS, secretHint } from '../core/secret.ts';
import type { TokenKind } from '../core/token-kind.ts';
import { accountHandle, type Caller, requireRole } from '../platform/caller.ts';
import type { ChangeFeed } from '../platform/change-feed.ts';
import type { Clock } from '../platform/clock.ts';
import { invalidField } from '../platform/errors.ts';
import { sha256Hex } from '../platform/hashing.ts';
import type { Database } from '../platform/schema.ts';
import type { LastUsedRecorder } from './last-used.ts';
import { findTokenById, findTokensByHashes, revokeIfActive, type TokenWithOwner } from './queries.ts';
import { type TokenView, tokenView } from './views.ts';

/** The reason a revocation by the holder of the secret (RFC 7009, POST /api/revoke) records. */
export const REVOKED_BY_VALUE_REASON = 'revoked by value';
/** The reason the console's "Revoke leaked secrets" records. */
export const LEAKED_REASON = 'leaked';

/** One secret found in a text: never the secret itself, only what tells it apart, and its token if any. */
export interface LeakedSecretView {
  kind: TokenKind;
  hint: string;
  /** Null: no token has this secret (never issued, or deleted). */
  token: TokenView | null;
  /** Whether this call revoked it (only for a revocation). */
  revoked: boolean;
}

export interface LeakedSecretDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  lastUsed: LastUsedRecorder;
  changes: ChangeFeed;
}

/**
 * Revocation by the secret itself: whoever holds a secret may kill it (RFC 7009), and an Admin may look up
 * and revoke the secrets found in a leaked text, whoever owns them. Secrets are hashed at once and never
 * kept, logged or sent back: a secret's hint names it in answers.
 */
export class LeakedSecrets {
  readonly #deps: LeakedSecretDeps;

  constructor(deps: LeakedSecretDeps) {
    this.#deps = deps;
  }

  /**
   * RFC 7009: `holder` authenticated with the token `id` itself; it is revoked, by its own owner, audited
   * as such. False when it was no longer active (another revocation got there first).
   */
  async revokeHeld(holder: Caller, id: string): Promise<boolean> {
    const { db, clock, audit, changes } = this.#deps;
    const now = clock.now();
    const done = await db.transaction().execute(async (trx) => {
      const row = await findTokenById(trx, id);
      if (!row) return false;
      const by = holder.principal.account.id;
      if (!(await revokeIfActive(trx, id, now, by, REVOKED_BY_VALUE_REASON))) return false;
      await audit.record(trx, holder, 'token.revoked', targetOf(row), {
        reason: REVOKED_BY_VALUE_REASON,
        via: 'revocation endpoint',
      });
      return true;
    });
    if (done) await changes.publish({ type: 'token', id });
    return done;
  }

  /** What each secret in `text` is (Admins). 400 when it holds more than the limit. */
  async find(caller: Caller, text: string): Promise<LeakedSecretView[]> {
    requireRole(caller, 'admin');
    const secrets = findSecrets(text);
    if (secrets.length > MAX_LEAKED_SECRETS) {
      throw invalidField(
        'text',
        `It holds ${secrets.length} secrets; look up at most ${MAX_LEAKED_SECRETS} at a time.`,
      );
    }
    const rows = await this.#lookUp(secrets);
    const now = this.#deps.clock.now();
    return secrets.map((secret) => this.#view(secret, rows.get(sha256Hex(secret)), now, false));
  }

  /** Revoke the active tokens of these secrets with the reason "leaked" (Admins), in one transaction. */
  async revoke(caller: Caller, secrets: readonly string[]): Promise<LeakedSecretView[]> {
    requireRole(caller, 'admin');
    secrets.forEach((secret, i) => {
      if (!checkSecret(secret).valid) {
        throw invalidField(`secrets.${i}`, 'Not a Tessera secret, or its checksum does not match.');
      }
    });
    const unique = [...new Set(secrets)];
    const { db, clock, audit, changes } = this.#deps;
    const now = clock.now();
    const revoked = new Set<string>();
    const rows = await db.transaction().execute(async (trx) => {
      const found = await this.#lookUp(unique, trx);
      for (const row of found.values()) {
        if (!(await revokeIfActive(trx, row.id, now, caller.principal.account.id, LEAKED_REASON))) continue;
        revoked.add(row.id);
        await audit.record(trx, caller, 'token.revoked', targetOf(row), { reason: LEAKED_REASON });
      }
      // Read back in the transaction, with the revocations.
      return this.#lookUp(unique, trx);
    });
    for (const id of revoked) await changes.publish({ type: 'token', id });
    return unique.map((secret) => {
      const row = rows.get(sha256Hex(secret));
      return this.#view(secret, row, now, row !== undefined && revoked.has(row.id));
    });
  }

  async #lookUp(secrets: readonly string[], db = this.#deps.db) {
    const rows = await findTokensByHashes(db, secrets.map(sha256Hex));
    return new Map(rows.map((row) => [row.secret_hash, row]));
  }

  #view(secret: string, row: TokenWithOwner | undefined, now: Date, revoked: boolean): LeakedSecretView {
    return {
      kind: secret.startsWith('tsr_svc_') ? 'service' : 'personal',
      hint: secretHint(secret),
      token: row ? tokenView(row, now, this.#deps.lastUsed.pending(row.id)) : null,
      revoked,
    };
  }
}

function targetOf(row: TokenWithOwner) {
  const owner = { email: row.owner_email, name: row.owner_name, internal_id: row.owner_internal_id };
  return { type: 'token' as const, id: row.id, label: `${row.name} (${accountHandle(owner)})` };
}
