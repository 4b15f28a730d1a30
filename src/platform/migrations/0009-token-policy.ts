import { type Kysely, sql } from 'kysely';

// The token policy (issue 22): per kind of token, the longest lifetime, whether Never is allowed, the
// preselected expiration and the inactivity sweep. One row per kind, always present; who changed it and
// when is in the audit log. And the background
// jobs that must run on one node at a time: each job's row is claimed with FOR UPDATE SKIP LOCKED, and
// when it last started and until when its lease holds are kept here, so a restart neither runs a job again
// too soon nor leaves it stuck behind a node that died.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table token_policies (
      kind text primary key check (kind in ('personal', 'service')),
      max_days integer check (max_days between 1 and 365),
      allow_never boolean not null default true,
      default_expires_in_days integer check (default_expires_in_days between 1 and 365),
      revoke_unused_after_days integer check (revoke_unused_after_days between 1 and 3650)
    )`.execute(db);
  await sql`
    insert into token_policies (kind, default_expires_in_days) values ('personal', 30), ('service', 30)
  `.execute(db);

  await sql`
    create table scheduled_jobs (
      name text primary key,
      last_started_at timestamptz,
      last_finished_at timestamptz,
      lease_until timestamptz,
      lease_holder text
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table scheduled_jobs`.execute(db);
  await sql`drop table token_policies`.execute(db);
}
