import { type Kysely, sql } from 'kysely';

// Keyless CI (issue 28). A trust policy lets a CI job trade the OIDC token its platform signs for a
// short-lived service token of one service user. A JWT's `jti` is accepted once, cluster-wide: the primary
// key refuses the second insert whichever node it reaches; rows are kept until the JWT itself expires.
// Tokens gain an optional list of allowed client networks (any token), and a federated token keeps the
// policy and the claims that earned it (neither is secret). A policy names the scopes of the tokens it
// issues.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table trust_policies (
      id uuid primary key default gen_random_uuid(),
      service_user_id uuid not null references accounts (id) on delete cascade,
      issuer text not null,
      audience text not null,
      conditions jsonb not null default '[]',
      lifetime_minutes integer not null check (lifetime_minutes between 5 and 60),
      scopes text[] not null default '{api}',
      created_at timestamptz not null default now(),
      created_by uuid references accounts (id) on delete set null,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index trust_policies_service_user on trust_policies (service_user_id)`.execute(db);
  await sql`create index trust_policies_issuer on trust_policies (issuer)`.execute(db);

  await sql`
    create table federation_jtis (
      issuer text not null,
      jti text not null,
      expires_at timestamptz not null,
      primary key (issuer, jti)
    )`.execute(db);
  await sql`create index federation_jtis_expires on federation_jtis (expires_at)`.execute(db);

  await sql`alter table tokens add column allowed_networks text[]`.execute(db);
  await sql`
    alter table tokens
      add column trust_policy_id uuid references trust_policies (id) on delete set null`.execute(db);
  await sql`alter table tokens add column federated_claims jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tokens drop column federated_claims`.execute(db);
  await sql`alter table tokens drop column trust_policy_id`.execute(db);
  await sql`alter table tokens drop column allowed_networks`.execute(db);
  await sql`drop table federation_jtis`.execute(db);
  await sql`drop table trust_policies`.execute(db);
}
