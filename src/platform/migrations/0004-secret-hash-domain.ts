import { type Kysely, sql } from 'kysely';

// PostgreSQL checks every CHECK constraint of a table on each row an UPDATE writes, whatever columns it
// sets, and the last-used flush writes about every token in use once a second. The secret hash's check is
// a regular expression: on the embedded database it was about a third of the flush's time
// (docs/PERFORMANCE.md). A domain's check runs only where a value is assigned to the column (an insert,
// or an update that sets it), so the hash keeps its check and the flush no longer pays for it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create domain sha256_hex as text check (value ~ '^[0-9a-f]{64}$')`.execute(db);
  await sql`alter table tokens drop constraint tokens_secret_hash_check`.execute(db);
  await sql`alter table tokens alter column secret_hash type sha256_hex`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tokens alter column secret_hash type text`.execute(db);
  await sql`alter table tokens add constraint tokens_secret_hash_check check (secret_hash ~ '^[0-9a-f]{64}$')`.execute(
    db,
  );
  await sql`drop domain sha256_hex`.execute(db);
}
