import { type Kysely, sql } from 'kysely';
import { isoTime } from '../core/iso-time.ts';
import type { TokenSort } from '../core/sorts.ts';
import type { TokenKind } from '../core/token-kind.ts';
import type { KindPolicy } from '../core/token-policy.ts';
import type { TokenStatus } from '../core/token-status.ts';
import {
  type Cursor,
  fewMatches,
  keysetPage,
  likeContains,
  type SortKey,
  unindexedKey,
} from '../platform/keyset.ts';
import type { Database, NewToken } from '../platform/schema.ts';
import { exceedsPolicyCondition, unusedCondition } from './policy-queries.ts';

const SORT_KEYS: Record<TokenSort, SortKey> = {
  name: { expression: sql`lower(t.name)`, type: 'text' },
  created_at: { expression: sql`t.created_at`, type: 'timestamptz' },
  expires_at: { expression: sql`coalesce(t.expires_at, 'infinity'::timestamptz)`, type: 'timestamptz' },
  // By the minute of the last use (migration 0003: what keeps the last-used flush off the indexes);
  // within a minute, by id.
  last_used_at: {
    expression: sql`coalesce(t.last_used_minute, '-infinity'::timestamptz)`,
    type: 'timestamptz',
  },
};

export interface TokenListFilter {
  kind: TokenKind;
  ownerId?: string;
  q?: string;
  /** Only tokens carrying this scope. */
  scope?: string;
  statuses?: readonly TokenStatus[];
  /** Only active tokens whose lifetime this policy would not allow now. */
  exceeding?: KindPolicy;
  /** Only active tokens unused for this many days (what the inactivity sweep would revoke). */
  unusedForDays?: number;
  sort: TokenSort;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: Cursor;
  now: Date;
}

/**
 * A token's own columns with the tokens it is linked to by rotation: the one that replaced it and the
 * latest one it replaced. Lists, the API and authentication (src/auth/verification) all read tokens so.
 */
export function selectTokenRows(db: Kysely<Database>) {
  return db
    .selectFrom('tokens as t')
    .leftJoin('tokens as successor', 'successor.id', 't.replaced_by')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('tokens as p')
          .select(['p.id', 'p.name'])
          .whereRef('p.replaced_by', '=', 't.id')
          .orderBy('p.created_at', 'desc')
          .limit(1)
          .as('predecessor'),
      (join) => join.onTrue(),
    )
    .select([
      't.id',
      't.kind',
      't.owner_id',
      't.name',
      't.hint',
      't.scopes',
      't.created_at',
      't.created_by',
      't.expires_at',
      't.revoked_at',
      't.revoked_by',
      't.revoked_reason',
      't.last_used_at',
      't.last_used_ip',
      't.last_used_user_agent',
      't.description',
      't.allowed_networks',
      't.trust_policy_id',
      't.federated_claims',
      'successor.id as replaced_by_id',
      'successor.name as replaced_by_name',
      'predecessor.id as replaces_id',
      'predecessor.name as replaces_name',
    ]);
}

/** A token with the columns of its owner that lists and the API show. */
function selectTokenWithOwner(db: Kysely<Database>) {
  return selectTokenRows(db)
    .innerJoin('accounts as a', 'a.id', 't.owner_id')
    .select([
      'a.kind as owner_kind',
      'a.name as owner_name',
      'a.email as owner_email',
      'a.internal_id as owner_internal_id',
      'a.avatar_url as owner_avatar_url',
      'a.deactivated_at as owner_deactivated_at',
    ]);
}

export type TokenWithOwner = Awaited<
  ReturnType<ReturnType<typeof selectTokenWithOwner>['executeTakeFirstOrThrow']>
>;

export function findTokenById(db: Kysely<Database>, id: string) {
  return selectTokenWithOwner(db).where('t.id', '=', id).executeTakeFirst();
}

/** The tokens whose secrets have these SHA-256 hashes, with each one's hash to match them back. */
export function findTokensByHashes(db: Kysely<Database>, hashes: readonly string[]) {
  if (hashes.length === 0) return Promise.resolve([]);
  return selectTokenWithOwner(db)
    .select('t.secret_hash')
    .where('t.secret_hash', 'in', [...hashes])
    .execute();
}

function statusCondition(status: TokenStatus, now: Date) {
  switch (status) {
    // A revoked_at still ahead is a scheduled revocation (a rotation's grace period): active until then.
    case 'active':
      return sql<boolean>`((t.revoked_at is null or t.revoked_at > ${now}) and (t.expires_at is null or t.expires_at > ${now}))`;
    case 'revoked':
      return sql<boolean>`(t.revoked_at <= ${now} and (t.expires_at is null or t.expires_at > ${now}))`;
    case 'expired':
      return sql<boolean>`(t.expires_at is not null and t.expires_at <= ${now})`;
  }
}

export async function listTokens(db: Kysely<Database>, filter: TokenListFilter) {
  let key = SORT_KEYS[filter.sort];
  const pattern = filter.q ? likeContains(filter.q.toLowerCase()) : undefined;
  const search =
    pattern === undefined
      ? undefined
      : sql<boolean>`(lower(t.name) like ${pattern} or lower(t.description) like ${pattern})`;
  if (search) {
    const owner = filter.ownerId ? sql`and t.owner_id = ${filter.ownerId}` : sql``;
    const matching = sql<boolean>`t.kind = ${filter.kind} ${owner} and ${search}`;
    if (await fewMatches(db, sql`tokens t`, matching)) key = unindexedKey(key);
  }
  let query = selectTokenWithOwner(db)
    .select(sql<string>`(${key.expression})::text`.as('sort_key'))
    .where('t.kind', '=', filter.kind);
  if (filter.ownerId) query = query.where('t.owner_id', '=', filter.ownerId);
  if (search) query = query.where(search);
  if (filter.scope !== undefined)
    query = query.where(sql<boolean>`t.scopes @> array[${filter.scope}]::text[]`);
  const statuses = filter.statuses;
  if (statuses && statuses.length > 0 && statuses.length < 3) {
    query = query.where(({ or }) => or(statuses.map((status) => statusCondition(status, filter.now))));
  }
  if (filter.exceeding) {
    // Active ones only: as the policy page counts them (a revoked or expired token can be used no more).
    query = query
      .where(statusCondition('active', filter.now))
      .where(exceedsPolicyCondition(filter.exceeding));
  }
  if (filter.unusedForDays !== undefined)
    query = query.where(unusedCondition(filter.unusedForDays, filter.now));
  return keysetPage(query, key, sql`t.id`, filter);
}

export function insertToken(db: Kysely<Database>, token: NewToken) {
  return db.insertInto('tokens').values(token).returning('id').executeTakeFirstOrThrow();
}

/** Revoke only if still active at `now`: the condition and the write are one statement, so races resolve. */
export function revokeIfActive(
  db: Kysely<Database>,
  id: string,
  now: Date,
  by: string | null,
  reason: string | null,
) {
  return db
    .updateTable('tokens as t')
    .set({ revoked_at: now, revoked_by: by, revoked_reason: reason })
    .where('t.id', '=', id)
    .where(statusCondition('active', now))
    .returning('t.id')
    .executeTakeFirst();
}

/** A replaced token stays revoked: its replacement has its name and its place. */
export function restoreIfRevoked(db: Kysely<Database>, id: string, now: Date) {
  return db
    .updateTable('tokens as t')
    .set({ revoked_at: null, revoked_by: null, revoked_reason: null })
    .where('t.id', '=', id)
    .where('t.replaced_by', 'is', null)
    .where(statusCondition('revoked', now))
    .returning('t.id')
    .executeTakeFirst();
}

export function deleteIfInactive(db: Kysely<Database>, id: string, now: Date) {
  return db
    .deleteFrom('tokens as t')
    .where('t.id', '=', id)
    .where(({ or }) => or([statusCondition('revoked', now), statusCondition('expired', now)]))
    .returning('t.id')
    .executeTakeFirst();
}

/**
 * Revoke every active token an account owns (`federatedOnly`: those a CI job earned by token exchange), in
 * one statement; returns the ids it revoked.
 */
export async function revokeActiveTokensOf(
  db: Kysely<Database>,
  ownerId: string,
  now: Date,
  reason: string,
  options: { federatedOnly?: boolean } = {},
) {
  let query = db
    .updateTable('tokens as t')
    .set({ revoked_at: now, revoked_by: null, revoked_reason: reason })
    .where('t.owner_id', '=', ownerId)
    .where(statusCondition('active', now));
  if (options.federatedOnly) query = query.where('t.federated_claims', 'is not', null);
  return query.returning(['t.id', 't.name']).execute();
}

/** The token, locked until the transaction ends: two rotations of one token take turns. */
export function lockToken(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('tokens')
    .select([
      'id',
      'kind',
      'owner_id',
      'name',
      'description',
      'created_at',
      'expires_at',
      'revoked_at',
      'replaced_by',
    ])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Point the old token at its replacement and write its revocation for the end of the grace period. */
export function markReplaced(db: Kysely<Database>, id: string, replacementId: string, stopsAt: Date) {
  return db
    .updateTable('tokens')
    .set({
      replaced_by: replacementId,
      revoked_at: stopsAt,
      revoked_by: null,
      revoked_reason: ROTATED_REASON,
    })
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** What `revoked_reason` says of a token revoked at the end of its rotation's grace period. */
export const ROTATED_REASON = 'rotated';

export function updateTokenFields(
  db: Kysely<Database>,
  id: string,
  fields: { name?: string; description?: string | null; allowed_networks?: string[] | null },
) {
  return db.updateTable('tokens').set(fields).where('id', '=', id).executeTakeFirstOrThrow();
}

/** `storedOnly`: leave out federated tokens, which no one holds longer than the job that earned them. */
export async function countActiveTokensOf(
  db: Kysely<Database>,
  ownerId: string,
  now: Date,
  options: { storedOnly?: boolean } = {},
): Promise<number> {
  let query = db
    .selectFrom('tokens as t')
    .select(sql<string>`count(*)`.as('count'))
    .where('t.owner_id', '=', ownerId)
    .where(statusCondition('active', now));
  if (options.storedOnly) query = query.where('t.federated_claims', 'is', null);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Active token counts for a set of accounts, for the Users list. */
export async function activeTokenCounts(db: Kysely<Database>, ownerIds: string[], now: Date) {
  if (ownerIds.length === 0) return new Map<string, number>();
  const rows = await db
    .selectFrom('tokens as t')
    .select(['t.owner_id', sql<string>`count(*)`.as('count')])
    .where('t.owner_id', 'in', ownerIds)
    .where(statusCondition('active', now))
    .groupBy('t.owner_id')
    .execute();
  return new Map(rows.map((row) => [row.owner_id, Number(row.count)]));
}

export interface LastUse {
  tokenId: string;
  /** Milliseconds since the epoch. */
  at: number;
  ip: string;
  userAgent: string | null;
}

/**
 * Write a batch of last uses in a single statement: tokens first, then their owners' last activity.
 * A use older than what is stored (another node got there first) changes nothing.
 */
export async function writeLastUses(db: Kysely<Database>, uses: LastUse[]): Promise<number> {
  if (uses.length === 0) return 0;
  const result = await sql<{ updated: string }>`
    with v as (
      select * from unnest(
        ${uses.map((u) => u.tokenId)}::uuid[],
        ${uses.map((u) => isoTime(u.at))}::timestamptz[],
        ${uses.map((u) => u.ip)}::text[],
        ${uses.map((u) => u.userAgent)}::text[]
      ) as v(id, at, ip, user_agent)
    ),
    updated as (
      update tokens t
      set last_used_at = v.at, last_used_ip = v.ip, last_used_user_agent = v.user_agent
      from v
      where t.id = v.id and (t.last_used_at is null or t.last_used_at < v.at)
      returning t.owner_id, v.at
    ),
    owners as (
      update accounts a
      set last_active_at = m.at
      from (select owner_id, max(at) as at from updated group by owner_id) m
      where a.id = m.owner_id and (a.last_active_at is null or a.last_active_at < m.at)
      returning a.id
    )
    select (select count(*) from updated)::text as updated, (select count(*) from owners) as owners
  `.execute(db);
  return Number(result.rows[0]?.updated ?? 0);
}
