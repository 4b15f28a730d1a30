import { type Kysely, sql } from 'kysely';
import type { Database } from '../platform/schema.ts';

export function listTeams(db: Kysely<Database>) {
  return db
    .selectFrom('teams as tm')
    .select(['tm.id', 'tm.name', 'tm.builtin', 'tm.created_at'])
    .select((eb) =>
      eb
        .selectFrom('account_teams as at')
        .innerJoin('accounts as a', 'a.id', 'at.account_id')
        .select(sql<string>`count(*)`.as('n'))
        .whereRef('at.team_id', '=', 'tm.id')
        .where('a.deactivated_at', 'is', null)
        .as('member_count'),
    )
    .orderBy('tm.builtin', 'desc')
    .orderBy(sql`lower(tm.name)`)
    .execute();
}

export function findTeamsByIds(db: Kysely<Database>, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('teams').select(['id', 'name']).where('id', 'in', ids).execute();
}

/** Teams by name, ignoring case (names are unique so); names that match no team are left out. */
export function findTeamsByNames(db: Kysely<Database>, names: string[]) {
  if (names.length === 0) return Promise.resolve([]);
  const lowered = names.map((name) => name.toLowerCase());
  return db
    .selectFrom('teams')
    .select(['id', 'name'])
    .where(sql<string>`lower(name)`, 'in', lowered)
    .execute();
}

export function insertTeam(db: Kysely<Database>, name: string) {
  return db
    .insertInto('teams')
    .values({ name })
    .returning(['id', 'name', 'builtin', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** One team, locked for a change to it. */
export function lockTeam(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('teams')
    .select(['id', 'name', 'builtin', 'external_id'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export function insertTeamWith(
  db: Kysely<Database>,
  team: { name: string; external_id: string | null; created_at: Date; updated_at: Date },
) {
  return db.insertInto('teams').values(team).returning(['id', 'name']).executeTakeFirstOrThrow();
}

export async function updateTeam(
  db: Kysely<Database>,
  id: string,
  set: { name?: string; external_id?: string | null },
  at: Date,
) {
  await db
    .updateTable('teams')
    .set({ ...set, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export async function deleteTeam(db: Kysely<Database>, id: string) {
  await db.deleteFrom('teams').where('id', '=', id).execute();
}

/** The people among `ids` that SCIM may see (service users and people SCIM deleted are not). */
export async function findPeople(db: Kysely<Database>, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('accounts')
    .select(['id', 'email', 'name'])
    .where('id', 'in', [...ids])
    .where(sql<boolean>`kind = 'human'`)
    .where('scim_deleted_at', 'is', null)
    .execute();
}

/** Add people to a team; returns those who were not in it yet. */
export async function addTeamMembers(db: Kysely<Database>, teamId: string, accountIds: readonly string[]) {
  if (accountIds.length === 0) return [];
  const rows = await db
    .insertInto('account_teams')
    .values([...new Set(accountIds)].map((account_id) => ({ account_id, team_id: teamId })))
    .onConflict((oc) => oc.doNothing())
    .returning('account_id')
    .execute();
  return rows.map((row) => row.account_id);
}

/**
 * Take people out of a team: those among `accountIds`, or with `keep`, every person not in it. Service
 * users are never touched: SCIM does not manage them. Returns those taken out.
 */
export async function removeTeamPeople(
  db: Kysely<Database>,
  teamId: string,
  which: { only: readonly string[] } | { keep: readonly string[] },
) {
  if ('only' in which && which.only.length === 0) return [];
  let query = db
    .deleteFrom('account_teams')
    .where('team_id', '=', teamId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('accounts')
          .select(sql`1`.as('one'))
          .whereRef('accounts.id', '=', 'account_teams.account_id')
          .where(sql<boolean>`accounts.kind = 'human'`),
      ),
    );
  if ('only' in which) query = query.where('account_id', 'in', [...which.only]);
  else if (which.keep.length > 0) query = query.where('account_id', 'not in', [...which.keep]);
  const rows = await query.returning('account_id').execute();
  return rows.map((row) => row.account_id);
}

/** The names and emails of accounts, for the audit log's labels. */
export function findAccountNames(db: Kysely<Database>, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('accounts')
    .select(['email', 'name'])
    .where('id', 'in', [...ids])
    .execute();
}
