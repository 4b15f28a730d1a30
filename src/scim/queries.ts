import { type Kysely, type RawBuilder, sql } from 'kysely';
import { teamsOf } from '../accounts/index.ts';
import type { Database } from '../platform/schema.ts';
import type { Columns } from './filter.ts';
import { TESSERA_USER_SCHEMA } from './schemas.ts';

// SCIM's reads: people (service users are not SCIM's, nor people SCIM deleted) and teams, a page at a
// time in a stable order (created, then id), with the filter's condition. Writes go through the
// accounts' and teams' use cases.

/** What a filter on Users may name, and the column each compares (src/scim/filter.ts). */
export const USER_COLUMNS: Columns = {
  id: { type: 'id', sql: sql`a.id` },
  userName: { type: 'string', sql: sql`a.email`, caseExact: false, search: sql`a.search_text` },
  externalId: { type: 'string', sql: sql`a.external_id`, caseExact: true },
  displayName: { type: 'string', sql: sql`a.name`, caseExact: false, search: sql`a.search_text` },
  'name.formatted': { type: 'string', sql: sql`a.name`, caseExact: false, search: sql`a.search_text` },
  'name.givenName': { type: 'string', sql: sql`a.given_name`, caseExact: false },
  'name.familyName': { type: 'string', sql: sql`a.family_name`, caseExact: false },
  'emails.value': { type: 'string', sql: sql`a.email`, caseExact: false, search: sql`a.search_text` },
  'emails.type': { type: 'constant', value: 'work' },
  'emails.primary': { type: 'constant', value: true },
  active: { type: 'boolean', isTrue: sql<boolean>`(a.deactivated_at is null)` },
  'meta.created': { type: 'date', sql: sql`a.created_at` },
  'meta.lastModified': { type: 'date', sql: sql`a.updated_at` },
  'groups.value': {
    type: 'link',
    has: (id) =>
      sql<boolean>`exists (select 1 from account_teams at where at.account_id = a.id and at.team_id = ${id}::uuid)`,
    any: sql<boolean>`exists (select 1 from account_teams at where at.account_id = a.id)`,
  },
  [`${TESSERA_USER_SCHEMA}:role`]: { type: 'string', sql: sql`a.role`, caseExact: false },
};

/** A person as SCIM is shown them (src/scim/users.ts). */
function selectPeople(db: Kysely<Database>) {
  return db
    .selectFrom('accounts as a')
    .select([
      'a.id',
      'a.email',
      'a.name',
      'a.given_name',
      'a.family_name',
      'a.external_id',
      'a.role',
      'a.created_at',
      'a.updated_at',
      'a.deactivated_at',
    ])
    .select((eb) => teamsOf(eb.ref('a.id')).as('teams'))
    .where(sql<boolean>`a.kind = 'human'`)
    .where('a.scim_deleted_at', 'is', null);
}

export type PersonRow = Awaited<ReturnType<ReturnType<typeof selectPeople>['executeTakeFirstOrThrow']>>;

export function findPerson(db: Kysely<Database>, id: string) {
  return selectPeople(db).where('a.id', '=', id).executeTakeFirst();
}

export interface Page {
  /** 0-based: RFC 7644's startIndex less one. */
  offset: number;
  limit: number;
}

export async function listPeople(db: Kysely<Database>, where: RawBuilder<boolean>, page: Page) {
  const total = await db
    .selectFrom('accounts as a')
    .select(sql<string>`count(*)`.as('n'))
    .where(sql<boolean>`a.kind = 'human'`)
    .where('a.scim_deleted_at', 'is', null)
    .where(where)
    .executeTakeFirstOrThrow();
  const rows =
    page.limit === 0
      ? []
      : await selectPeople(db)
          .where(where)
          .orderBy('a.created_at')
          .orderBy('a.id')
          .offset(page.offset)
          .limit(page.limit)
          .execute();
  return { total: Number(total.n), rows };
}

/** A team's people, as SCIM sees them: the condition a team's members filter needs. */
const memberExists = (id: string) =>
  sql<boolean>`exists (
    select 1 from account_teams at join accounts m on m.id = at.account_id
    where at.team_id = tm.id and at.account_id = ${id}::uuid and m.kind = 'human' and m.scim_deleted_at is null
  )`;

export const GROUP_COLUMNS: Columns = {
  id: { type: 'id', sql: sql`tm.id` },
  displayName: { type: 'string', sql: sql`tm.name`, caseExact: false },
  externalId: { type: 'string', sql: sql`tm.external_id`, caseExact: true },
  'meta.created': { type: 'date', sql: sql`tm.created_at` },
  'meta.lastModified': { type: 'date', sql: sql`tm.updated_at` },
  'members.value': {
    type: 'link',
    has: memberExists,
    any: sql<boolean>`exists (
      select 1 from account_teams at join accounts m on m.id = at.account_id
      where at.team_id = tm.id and m.kind = 'human' and m.scim_deleted_at is null
    )`,
  },
};

function selectTeams(db: Kysely<Database>) {
  return db
    .selectFrom('teams as tm')
    .select(['tm.id', 'tm.name', 'tm.external_id', 'tm.builtin', 'tm.created_at', 'tm.updated_at']);
}

export type TeamRow = Awaited<ReturnType<ReturnType<typeof selectTeams>['executeTakeFirstOrThrow']>>;

export function findTeam(db: Kysely<Database>, id: string) {
  return selectTeams(db).where('tm.id', '=', id).executeTakeFirst();
}

export async function listTeams(db: Kysely<Database>, where: RawBuilder<boolean>, page: Page) {
  const total = await db
    .selectFrom('teams as tm')
    .select(sql<string>`count(*)`.as('n'))
    .where(where)
    .executeTakeFirstOrThrow();
  const rows =
    page.limit === 0
      ? []
      : await selectTeams(db)
          .where(where)
          .orderBy('tm.created_at')
          .orderBy('tm.id')
          .offset(page.offset)
          .limit(page.limit)
          .execute();
  return { total: Number(total.n), rows };
}

/** The people in each of `teamIds`, by team, ordered by name. */
export async function membersOf(db: Kysely<Database>, teamIds: readonly string[]) {
  const byTeam = new Map<string, { id: string; email: string | null; name: string | null }[]>();
  for (const id of teamIds) byTeam.set(id, []);
  if (teamIds.length === 0) return byTeam;
  const rows = await db
    .selectFrom('account_teams as at')
    .innerJoin('accounts as m', 'm.id', 'at.account_id')
    .select(['at.team_id', 'm.id', 'm.email', 'm.name'])
    .where('at.team_id', 'in', [...teamIds])
    .where(sql<boolean>`m.kind = 'human'`)
    .where('m.scim_deleted_at', 'is', null)
    .orderBy('m.sort_name')
    .orderBy('m.id')
    .execute();
  for (const row of rows) byTeam.get(row.team_id)!.push({ id: row.id, email: row.email, name: row.name });
  return byTeam;
}
