import { type Kysely, sql } from 'kysely';

// Rotation and descriptions (issue 22). A rotated token's revocation is written ahead of time: its
// `revoked_at` lies in the future (the end of the grace period) and the status, derived from the clock as
// always, turns to revoked at exactly that moment on every node, with no job to run.
//
// The replaced token points at its replacement (`replaced_by`), which takes over its name: names stay
// unique per owner among the tokens not replaced. No foreign key: deleting the replacement must not
// bring the old token back among them (its name may be taken again by then); the link just dangles.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tokens add column description text`.execute(db);
  await sql`alter table tokens add column replaced_by uuid`.execute(db);
  await sql`create index tokens_replaced_by_idx on tokens (replaced_by) where replaced_by is not null`.execute(
    db,
  );
  await sql`drop index tokens_owner_name_key`.execute(db);
  await sql`create unique index tokens_owner_name_key on tokens (owner_id, lower(name)) where replaced_by is null`.execute(
    db,
  );
  await sql`create index tokens_description_search_idx on tokens using gin (lower(description) gin_trgm_ops)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Fails while a replaced token and its replacement share a name: rename or delete one of them first.
  await sql`drop index tokens_description_search_idx`.execute(db);
  await sql`drop index tokens_owner_name_key`.execute(db);
  await sql`create unique index tokens_owner_name_key on tokens (owner_id, lower(name))`.execute(db);
  await sql`drop index tokens_replaced_by_idx`.execute(db);
  await sql`alter table tokens drop column replaced_by`.execute(db);
  await sql`alter table tokens drop column description`.execute(db);
}
