import { type Kysely, sql } from 'kysely';

// Single sign-on (docs/SSO.md). A person who arrives through their identity provider has no password, so
// a person's row no longer needs one. The sign-ins in flight between the redirect to the provider and
// its callback live in the database, not in one process's memory, so that any node can take the
// callback.
export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceKindFields(
    db,
    sql`(kind = 'human' and email is not null and internal_id is null)
        or (kind = 'service' and internal_id is not null and password_hash is null)`,
  );
  // Set by `tessera reset-password`: while password sign-in is off, that password still works until then.
  await sql`alter table accounts add column break_glass_until timestamptz`.execute(db);

  await sql`
    create table sso_identities (
      issuer text not null,
      subject text not null,
      account_id uuid not null references accounts (id) on delete cascade,
      created_at timestamptz not null default now(),
      last_sign_in_at timestamptz,
      primary key (issuer, subject)
    )`.execute(db);
  await sql`create unique index sso_identities_account_key on sso_identities (account_id, issuer)`.execute(
    db,
  );

  await sql`
    create table sso_sign_ins (
      state_hash text primary key,
      browser_hash text not null,
      nonce text not null,
      code_verifier text not null,
      return_to text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index sso_sign_ins_expires_idx on sso_sign_ins (expires_at)`.execute(db);

  await sql`
    create table sso_sessions (
      session_id_hash text primary key references sessions (id_hash) on delete cascade,
      issuer text not null,
      id_token text not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table sso_sessions`.execute(db);
  await sql`drop table sso_sign_ins`.execute(db);
  await sql`drop table sso_identities`.execute(db);
  await sql`alter table accounts drop column break_glass_until`.execute(db);
  // Fails while a person without a password exists: give them one (`tessera reset-password`) first.
  await replaceKindFields(
    db,
    sql`(kind = 'human' and email is not null and password_hash is not null and internal_id is null)
        or (kind = 'service' and internal_id is not null and password_hash is null)`,
  );
}

async function replaceKindFields(db: Kysely<unknown>, check: ReturnType<typeof sql>): Promise<void> {
  await sql`alter table accounts drop constraint if exists accounts_kind_fields`.execute(db);
  await sql`alter table accounts add constraint accounts_kind_fields check (${check})`.execute(db);
}
