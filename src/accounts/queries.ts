import { type Expression, type Kysely, sql } from 'kysely';
import type { Role } from '../core/roles.ts';
import type { AccountSort } from '../core/sorts.ts';
import type { AccountKind } from '../core/token-kind.ts';
import {
  type Cursor,
  fewMatches,
  keysetPage,
  likeContains,
  type SortKey,
  unindexedKey,
} from '../platform/keyset.ts';
import type { Database, NewAccount } from '../platform/schema.ts';

// Role sorts as text, and 'admin' < 'manager' < 'member' happens to be rank order as well.
const SORT_KEYS: Record<AccountSort, SortKey> = {
  name: { expression: sql`a.sort_name`, type: 'text' },
  created_at: { expression: sql`a.created_at`, type: 'timestamptz' },
  last_active_at: {
    expression: sql`coalesce(a.last_active_minute, '-infinity'::timestamptz)`,
    type: 'timestamptz',
  },
  role: { expression: sql`a.role || ' ' || a.sort_name`, type: 'text' },
};

/** An account's teams as JSON, ordered by name. */
export function teamsOf(accountId: Expression<string>) {
  return sql<{ id: string; name: string }[]>`coalesce((
    select json_agg(json_build_object('id', tm.id, 'name', tm.name) order by tm.name)
    from account_teams at join teams tm on tm.id = at.team_id
    where at.account_id = ${accountId}
  ), '[]'::json)`;
}

function selectAccount(db: Kysely<Database>) {
  return db
    .selectFrom('accounts as a')
    .select([
      'a.id',
      'a.kind',
      'a.email',
      'a.name',
      'a.internal_id',
      'a.avatar_url',
      'a.role',
      'a.created_at',
      'a.created_by',
      'a.deactivated_at',
      'a.last_active_at',
      'a.external_id',
      'a.given_name',
      'a.family_name',
      'a.scim_updated_at',
    ])
    .select((eb) => teamsOf(eb.ref('a.id')).as('teams'))
    .select(sql<boolean>`a.password_hash is not null`.as('has_password'))
    .select(sql<boolean>`exists (select 1 from sso_identities si where si.account_id = a.id)`.as('has_sso'));
}

export type AccountWithTeams = Awaited<
  ReturnType<ReturnType<typeof selectAccount>['executeTakeFirstOrThrow']>
>;

export function findAccountById(db: Kysely<Database>, id: string) {
  return selectAccount(db).where('a.id', '=', id).executeTakeFirst();
}

export function findAccountsByIds(db: Kysely<Database>, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return selectAccount(db).where('a.id', 'in', ids).execute();
}

export interface AccountListFilter {
  kind?: AccountKind;
  role?: Role;
  teamId?: string;
  q?: string;
  id?: string;
  includeDeactivated: boolean;
  sort: AccountSort;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: Cursor;
}

export async function listAccounts(db: Kysely<Database>, filter: AccountListFilter) {
  let key = SORT_KEYS[filter.sort];
  const search = filter.q
    ? sql<boolean>`a.search_text like ${likeContains(filter.q.toLowerCase())}`
    : undefined;
  if (search && (await fewMatches(db, sql`accounts a`, search))) key = unindexedKey(key);
  let query = selectAccount(db).select(sql<string>`(${key.expression})::text`.as('sort_key'));
  if (filter.kind) query = query.where('a.kind', '=', filter.kind);
  if (filter.role) query = query.where('a.role', '=', filter.role);
  if (filter.id) query = query.where('a.id', '=', filter.id);
  if (filter.teamId) {
    const teamId = filter.teamId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('account_teams as at')
          .select(sql`1`.as('one'))
          .whereRef('at.account_id', '=', 'a.id')
          .where('at.team_id', '=', teamId),
      ),
    );
  }
  if (search) query = query.where(search);
  if (!filter.includeDeactivated) query = query.where('a.deactivated_at', 'is', null);
  return keysetPage(query, key, sql`a.id`, filter);
}

export function insertAccount(db: Kysely<Database>, account: NewAccount) {
  return db.insertInto('accounts').values(account).returning('id').executeTakeFirstOrThrow();
}

/** Replace an account's teams; the built-in Public team is always kept. */
export async function setAccountTeams(db: Kysely<Database>, accountId: string, teamIds: string[]) {
  const publicTeam = await db
    .selectFrom('teams')
    .select('id')
    .where('builtin', '=', true)
    .executeTakeFirstOrThrow();
  const wanted = [...new Set([publicTeam.id, ...teamIds])];
  await db
    .deleteFrom('account_teams')
    .where('account_id', '=', accountId)
    .where('team_id', 'not in', wanted)
    .execute();
  await db
    .insertInto('account_teams')
    .values(wanted.map((team_id) => ({ account_id: accountId, team_id })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Lock every active Admin (people and service users), in id order, and return them. Every change that
 * can take an Admin away calls this first in its transaction: two such changes then queue on the first
 * row instead of each holding one account and waiting for the other's (the deadlock two Admins
 * deactivating each other used to hit), and the second counts the Admins the first left behind, since
 * under READ COMMITTED a row a waiter gets is checked again against `role` and `deactivated_at`.
 * FOR UPDATE rather than a weaker mode, so that no other transaction holds a key-share lock on an
 * Admin's row that the change would then have to wait for while holding the others.
 */
export function lockActiveAdmins(db: Kysely<Database>) {
  return db
    .selectFrom('accounts')
    .select(['id', 'kind'])
    .where('role', '=', 'admin')
    .where('deactivated_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** One account's row, locked for a change to it. */
export function lockAccount(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'kind', 'role', 'deactivated_at', 'scim_deleted_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** A person by email, any case, locked for a change to them. */
export function lockHumanByEmail(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'role', 'deactivated_at', 'scim_deleted_at'])
    .where('kind', '=', 'human')
    .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
    .forUpdate()
    .executeTakeFirst();
}

export interface AccountFieldChanges {
  name?: string | null;
  email?: string | null;
  role?: Role;
  avatar_url?: string | null;
  password_hash?: string;
  external_id?: string | null;
  given_name?: string | null;
  family_name?: string | null;
  break_glass_until?: Date | null;
}

/** Change an account's fields, as of `at` (its `updated_at`); nothing when there is nothing to change. */
export async function updateAccountFields(
  db: Kysely<Database>,
  id: string,
  set: AccountFieldChanges,
  at: Date,
) {
  if (Object.keys(set).length === 0) return;
  await db
    .updateTable('accounts')
    .set({ ...set, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export async function markDeactivated(db: Kysely<Database>, id: string, at: Date, by: string | null) {
  await db
    .updateTable('accounts')
    .set({ deactivated_at: at, deactivated_by: by, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export async function markReactivated(db: Kysely<Database>, id: string, at: Date) {
  await db
    .updateTable('accounts')
    .set({ deactivated_at: null, deactivated_by: null, updated_at: at })
    .where('id', '=', id)
    .execute();
}

/**
 * Mark a SCIM write: the identity provider now owns the account's identity. `deleted` also hides the
 * account from SCIM (a SCIM DELETE); false brings back one a provider deleted and creates again.
 */
export async function markScimWrite(db: Kysely<Database>, id: string, at: Date, deleted?: boolean) {
  await db
    .updateTable('accounts')
    .set({
      scim_updated_at: at,
      ...(deleted === undefined ? {} : { scim_deleted_at: deleted ? at : null, updated_at: at }),
    })
    .where('id', '=', id)
    .execute();
}

/** Sign an account out everywhere, or everywhere but the session whose id hash is `except`. */
export async function deleteSessionsOf(db: Kysely<Database>, accountId: string, except?: string) {
  let query = db.deleteFrom('sessions').where('account_id', '=', accountId);
  if (except) query = query.where('id_hash', '!=', except);
  await query.execute();
}

/** A person's password hash. */
export function findPasswordOf(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'password_hash'])
    .where('id', '=', id)
    .where('kind', '=', 'human')
    .executeTakeFirst();
}
