import { type Kysely, sql } from 'kysely';

// Scopes (issue 24). A token's scopes are a text[] on its row: read with the token in authentication's one
// query, at no extra cost, and handled alike by PGlite and PostgreSQL. `scim` replaces the `scim_only`
// flag: a SCIM-only token becomes a token whose one scope is `scim`, every other token keeps full power
// (`api`). The catalog of upstream scopes is a table of its own; a token's scope is not a foreign key to it
// (Tessera's own scopes are not in it), and deleting a catalog entry removes it from every token in the
// same transaction.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tokens add column scopes text[] not null default '{api}'`.execute(db);
  await sql`update tokens set scopes = '{scim}' where scim_only`.execute(db);
  await sql`alter table tokens drop column scim_only`.execute(db);
  await sql`create index tokens_scopes_idx on tokens using gin (scopes)`.execute(db);
  await sql`
    create table scopes (
      name text primary key,
      description text not null default '',
      min_role text not null check (min_role in ('member', 'manager', 'admin')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table scopes`.execute(db);
  await sql`drop index tokens_scopes_idx`.execute(db);
  await sql`alter table tokens add column scim_only boolean not null default false`.execute(db);
  await sql`update tokens set scim_only = true where 'scim' = any(scopes) and not ('api' = any(scopes))`.execute(
    db,
  );
  await sql`alter table tokens drop column scopes`.execute(db);
}
