import { type Kysely, sql } from 'kysely';
import type { Role } from '../core/roles.ts';
import type { Database } from '../platform/schema.ts';

export interface ScopeRow {
  name: string;
  description: string;
  min_role: Role;
  created_at: Date;
  updated_at: Date;
}

/** Active tokens that carry the scope: what deleting it would change. */
function activeCarriers(name: string, now: Date) {
  return sql<number>`(select count(*)::int from tokens t where t.scopes @> array[${name}]::text[]
    and (t.revoked_at is null or t.revoked_at > ${now}) and (t.expires_at is null or t.expires_at > ${now}))`;
}

export function listScopes(db: Kysely<Database>, now: Date) {
  return db
    .selectFrom('scopes as s')
    .select(['s.name', 's.description', 's.min_role', 's.created_at', 's.updated_at'])
    .select(() =>
      sql<number>`(select count(*)::int from tokens t where t.scopes @> array[s.name]
      and (t.revoked_at is null or t.revoked_at > ${now}) and (t.expires_at is null or t.expires_at > ${now}))`.as(
        'token_count',
      ),
    )
    .orderBy('s.name')
    .execute();
}

export function findScope(db: Kysely<Database>, name: string, now: Date) {
  return db
    .selectFrom('scopes as s')
    .select(['s.name', 's.description', 's.min_role', 's.created_at', 's.updated_at'])
    .select(activeCarriers(name, now).as('token_count'))
    .where('s.name', '=', name)
    .executeTakeFirst();
}

export function lockScope(db: Kysely<Database>, name: string) {
  return db.selectFrom('scopes').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
}

/** Takes the scope off every token that carries it, so that a scope created later under the same name gives them nothing. */
export function removeScopeFromTokens(db: Kysely<Database>, name: string) {
  return db
    .updateTable('tokens')
    .set({ scopes: sql<string[]>`array_remove(scopes, ${name})` })
    .where(sql<boolean>`scopes @> array[${name}]::text[]`)
    .executeTakeFirst();
}

/** One entry of the catalog, checked by the caller (the demo workspace seeds its own). */
export function insertCatalogScope(
  db: Kysely<Database>,
  scope: { name: string; description: string; min_role: Role },
  now: Date,
) {
  return db
    .insertInto('scopes')
    .values({ ...scope, created_at: now, updated_at: now })
    .execute();
}
