import { type Kysely, sql } from 'kysely';
import type { TokenKind } from '../core/token-kind.ts';
import type { KindPolicy, TokenPolicy } from '../core/token-policy.ts';
import type { Database } from '../platform/schema.ts';

const POLICY_COLUMNS = [
  'kind',
  'max_days',
  'allow_never',
  'default_expires_in_days',
  'revoke_unused_after_days',
] as const;

/** The policy in force; migration 0009 puts one row per kind in place, so both are always there. */
export async function readTokenPolicy(db: Kysely<Database>): Promise<TokenPolicy> {
  const rows = await db.selectFrom('token_policies').select(POLICY_COLUMNS).execute();
  const byKind = new Map(rows.map(({ kind, ...rule }) => [kind, rule]));
  return { personal: byKind.get('personal')!, service: byKind.get('service')! };
}

/** One kind's policy, share-locked for the transaction: an update of the policy waits for it to finish. */
export async function lockKindPolicy(db: Kysely<Database>, kind: TokenKind): Promise<KindPolicy> {
  const { kind: _kind, ...rule } = await db
    .selectFrom('token_policies')
    .select(POLICY_COLUMNS)
    .where('kind', '=', kind)
    .forShare()
    .executeTakeFirstOrThrow();
  return rule;
}

export async function writeTokenPolicy(db: Kysely<Database>, policy: TokenPolicy): Promise<void> {
  for (const kind of ['personal', 'service'] as const) {
    await db.updateTable('token_policies').set(policy[kind]).where('kind', '=', kind).execute();
  }
}

/** Tokens (as `t`) whose lifetime the policy would not allow now. */
export function exceedsPolicyCondition(policy: KindPolicy) {
  const parts = [];
  if (!policy.allow_never) parts.push(sql<boolean>`t.expires_at is null`);
  if (policy.max_days !== null) {
    parts.push(sql<boolean>`t.expires_at > t.created_at + make_interval(days => ${policy.max_days}::int)`);
  }
  return parts.length > 0 ? sql<boolean>`(${sql.join(parts, sql` or `)})` : sql<boolean>`false`;
}

/** Active tokens (as `t`) neither used nor created within `days` days before `now`. */
export function unusedCondition(days: number, now: Date) {
  return sql<boolean>`(t.revoked_at is null and (t.expires_at is null or t.expires_at > ${now})
    and coalesce(t.last_used_at, t.created_at) <= ${now}::timestamptz - make_interval(days => ${days}::int))`;
}

const ACTIVE = (now: Date) =>
  sql<boolean>`(t.revoked_at is null and (t.expires_at is null or t.expires_at > ${now}))`;

/** How many active tokens of a kind exceed the policy. */
export async function countExceeding(db: Kysely<Database>, kind: TokenKind, policy: KindPolicy, now: Date) {
  const row = await db
    .selectFrom('tokens as t')
    .select(sql<string>`count(*)`.as('count'))
    .where('t.kind', '=', kind)
    .where(ACTIVE(now))
    .where(exceedsPolicyCondition(policy))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Revoke a kind's active tokens unused for `days` days, by the system; their ids, names and owners. */
export function revokeUnused(db: Kysely<Database>, kind: TokenKind, days: number, now: Date, reason: string) {
  return db
    .updateTable('tokens as t')
    .set({ revoked_at: now, revoked_by: null, revoked_reason: reason })
    .where('t.kind', '=', kind)
    .where(unusedCondition(days, now))
    .returning(['t.id', 't.name', 't.owner_id'])
    .execute();
}
