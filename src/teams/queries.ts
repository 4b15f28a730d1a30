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
