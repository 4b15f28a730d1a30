import { type Kysely, sql } from 'kysely';

// SCIM 2.0 provisioning (docs/SCIM.md). People gain what an identity provider sends and reads back: its
// own ID for them, the parts of their name, when they last changed (meta.lastModified), when SCIM last
// created or changed them (the console's "SCIM" badge) and when SCIM deleted them (they then answer 404
// to SCIM, while the console keeps them, deactivated). Teams, which SCIM calls Groups, gain the first two.
// None of these columns is in an index the last-used flush touches, so its updates stay HOT.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table accounts
      add column external_id text check (char_length(external_id) between 1 and 1000),
      add column given_name text,
      add column family_name text,
      add column updated_at timestamptz,
      add column scim_updated_at timestamptz,
      add column scim_deleted_at timestamptz`.execute(db);
  await sql`update accounts set updated_at = greatest(created_at, deactivated_at)`.execute(db);
  await sql`alter table accounts alter column updated_at set not null, alter column updated_at set default now()`.execute(
    db,
  );
  // Filters on externalId and meta.lastModified; SCIM lists people only, so the indexes hold people only.
  await sql`create index accounts_external_id_idx on accounts (external_id) where kind = 'human' and external_id is not null`.execute(
    db,
  );
  await sql`create index accounts_updated_at_idx on accounts (updated_at, id) where kind = 'human'`.execute(
    db,
  );

  await sql`
    alter table teams
      add column external_id text check (char_length(external_id) between 1 and 1000),
      add column updated_at timestamptz`.execute(db);
  await sql`update teams set updated_at = created_at`.execute(db);
  await sql`alter table teams alter column updated_at set not null, alter column updated_at set default now()`.execute(
    db,
  );
  await sql`create index teams_external_id_idx on teams (external_id) where external_id is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index teams_external_id_idx`.execute(db);
  await sql`alter table teams drop column external_id, drop column updated_at`.execute(db);
  await sql`drop index accounts_updated_at_idx`.execute(db);
  await sql`drop index accounts_external_id_idx`.execute(db);
  await sql`
    alter table accounts
      drop column external_id,
      drop column given_name,
      drop column family_name,
      drop column updated_at,
      drop column scim_updated_at,
      drop column scim_deleted_at`.execute(db);
}
