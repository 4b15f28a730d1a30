import { type Insertable, type Kysely, sql } from 'kysely';
import { teamsOf } from '../accounts/index.ts';
import type { Database, SessionsTable } from '../platform/schema.ts';
import { PRINCIPAL_ACCOUNT_COLUMNS, type PrincipalAccountRow } from './principal.ts';

function selectOwner(db: Kysely<Database>) {
  return db
    .selectFrom('accounts as a')
    .select(PRINCIPAL_ACCOUNT_COLUMNS)
    .select((eb) => teamsOf(eb.ref('a.id')).as('teams'));
}

export function findPrincipalAccount(
  db: Kysely<Database>,
  accountId: string,
): Promise<PrincipalAccountRow | undefined> {
  return selectOwner(db).where('a.id', '=', accountId).executeTakeFirst();
}

export async function findSessionPrincipal(db: Kysely<Database>, idHash: string, now: Date) {
  const session = await db
    .selectFrom('sessions')
    .select(['id_hash', 'account_id', 'csrf_token', 'expires_at'])
    .where('id_hash', '=', idHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (!session) return undefined;
  const account = await findPrincipalAccount(db, session.account_id);
  if (!account) return undefined;
  return { session, account };
}

export function deleteExpiredSessions(db: Kysely<Database>, now: Date) {
  return db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}

export function findHumanForSignIn(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'password_hash', 'break_glass_until', 'deactivated_at', 'email', 'name', 'internal_id'])
    .where('kind', '=', 'human')
    .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
    .executeTakeFirst();
}

/** A new session, which is also its account's latest activity. */
export async function insertSession(
  db: Kysely<Database>,
  session: Insertable<SessionsTable>,
  now: Date,
): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
  await db
    .updateTable('accounts')
    .set({ last_active_at: now })
    .where('id', '=', session.account_id)
    .execute();
}

export function deleteSession(db: Kysely<Database>, idHash: string) {
  return db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}
