import { type Kysely, sql } from 'kysely';

// Indexes for the lists at scale (`node bench/plans.ts` prints their plans at 100,000 tokens and
// 10,000 accounts).
export async function up(db: Kysely<unknown>): Promise<void> {
  // The Users search: at ten thousand accounts the planner costs the GIN trigram index above a
  // sequential scan (common trigrams such as those of "person" have long posting lists), and scans the
  // table. A GiST trigram index is costed per match and is chosen; it answers LIKE '%…%' as well.
  await sql`create index accounts_search_gist_idx on accounts using gist (search_text gist_trgm_ops)`.execute(
    db,
  );
  await sql`drop index accounts_search_idx`.execute(db);
  // status=revoked: revoked tokens are usually few, so walking the newest-first index and filtering
  // could read most of it before finding a page. This partial index holds only the revoked ones.
  await sql`create index tokens_kind_revoked_created_idx on tokens (kind, created_at, id) where revoked_at is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index tokens_kind_revoked_created_idx`.execute(db);
  await sql`create index accounts_search_idx on accounts using gin (search_text gin_trgm_ops)`.execute(db);
  await sql`drop index accounts_search_gist_idx`.execute(db);
}
