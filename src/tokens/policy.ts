import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/index.ts';
import type { TokenKind } from '../core/token-kind.ts';
import { type KindPolicy, lifetimeProblem, policyProblem, type TokenPolicy } from '../core/token-policy.ts';
import { accountHandle, type Caller, isAdmin, requireRole } from '../platform/caller.ts';
import type { ChangeFeed } from '../platform/change-feed.ts';
import type { Clock } from '../platform/clock.ts';
import { invalidField } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';
import { countExceeding, readTokenPolicy, revokeUnused, writeTokenPolicy } from './policy-queries.ts';

/**
 * Refuses a lifetime the policy does not allow: 400 naming `field` and the limit. Generation asks it,
 * and so must rotation (with its own `expires_in_days`).
 */
export function checkLifetime(
  policy: KindPolicy,
  kind: TokenKind,
  days: number | null,
  field = 'expires_in_days',
): void {
  const problem = lifetimeProblem(policy, kind, days);
  if (problem) throw invalidField(field, problem);
}

/** The reason the inactivity sweep records. */
export const unusedReason = (days: number) => `unused for ${days} days`;

export interface TokenPolicyView extends TokenPolicy {
  /** Active tokens of each kind whose lifetime the policy would not allow now; null for anyone but Admins. */
  exceeding: Record<TokenKind, number> | null;
}

export interface TokenPolicyDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  changes: ChangeFeed;
}

/** The token policy (Admins set it; everyone may read it, so the console offers only what it allows). */
export class TokenPolicies {
  readonly #deps: TokenPolicyDeps;

  constructor(deps: TokenPolicyDeps) {
    this.#deps = deps;
  }

  async get(caller: Caller): Promise<TokenPolicyView> {
    const policy = await readTokenPolicy(this.#deps.db);
    return { ...policy, exceeding: isAdmin(caller) ? await this.#exceeding(policy) : null };
  }

  /** Replace the policy (Admins). Tightening it changes no existing token. */
  async update(caller: Caller, policy: TokenPolicy): Promise<TokenPolicyView> {
    requireRole(caller, 'admin');
    const problem = policyProblem(policy);
    if (problem) throw invalidField(problem.field, problem.message);
    const { db, audit } = this.#deps;
    await db.transaction().execute(async (trx) => {
      const before = await readTokenPolicy(trx);
      await writeTokenPolicy(trx, policy);
      await audit.record(trx, caller, 'token_policy.updated', null, { from: before, to: policy });
    });
    return this.get(caller);
  }

  /**
   * The inactivity sweep: for each kind whose policy turns it on, revoke the active tokens unused for
   * that many days (never used: since their creation), by the system, each audited. Returns how many.
   */
  async sweep(): Promise<number> {
    const { db, clock, audit, changes } = this.#deps;
    const now = clock.now();
    const revoked = await db.transaction().execute(async (trx) => {
      const policy = await readTokenPolicy(trx);
      const all: { id: string; name: string }[] = [];
      for (const kind of ['personal', 'service'] as const) {
        const days = policy[kind].revoke_unused_after_days;
        if (days === null) continue;
        const reason = unusedReason(days);
        const rows = await revokeUnused(trx, kind, days, now, reason);
        const owners = await ownerHandles(
          trx,
          rows.map((r) => r.owner_id),
        );
        for (const row of rows) {
          await audit.record(
            trx,
            null,
            'token.revoked',
            { type: 'token', id: row.id, label: `${row.name} (${owners.get(row.owner_id) ?? 'unknown'})` },
            { reason, via: 'inactivity sweep' },
          );
        }
        all.push(...rows);
      }
      return all;
    });
    for (const { id } of revoked) await changes.publish({ type: 'token', id });
    return revoked.length;
  }

  async #exceeding(policy: TokenPolicy): Promise<Record<TokenKind, number>> {
    const now = this.#deps.clock.now();
    return {
      personal: await countExceeding(this.#deps.db, 'personal', policy.personal, now),
      service: await countExceeding(this.#deps.db, 'service', policy.service, now),
    };
  }
}

async function ownerHandles(db: Kysely<Database>, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'email', 'internal_id', 'name'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, accountHandle(r)]));
}
