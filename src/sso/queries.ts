import { type Insertable, type Kysely, sql } from 'kysely';
import type { Database, SsoSignInsTable } from '../platform/schema.ts';

export function insertSignIn(db: Kysely<Database>, signIn: Insertable<SsoSignInsTable>) {
  return db.insertInto('sso_sign_ins').values(signIn).execute();
}

/**
 * The sign-in that `state` names, begun in the browser that holds the cookie, taken once: a replayed
 * callback finds nothing, and a callback from another browser leaves the real one's sign-in in place.
 */
export function takeSignIn(db: Kysely<Database>, stateHash: string, browserHash: string) {
  return db
    .deleteFrom('sso_sign_ins')
    .where('state_hash', '=', stateHash)
    .where('browser_hash', '=', browserHash)
    .returningAll()
    .executeTakeFirst();
}

export function deleteExpiredSignIns(db: Kysely<Database>, now: Date) {
  return db.deleteFrom('sso_sign_ins').where('expires_at', '<=', now).execute();
}

/** The account linked to this identity, whatever its kind or state. */
export function findLinkedAccount(db: Kysely<Database>, issuer: string, subject: string) {
  return db
    .selectFrom('sso_identities as i')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .select(['a.id', 'a.kind', 'a.email', 'a.name', 'a.internal_id', 'a.deactivated_at'])
    .where('i.issuer', '=', issuer)
    .where('i.subject', '=', subject)
    .executeTakeFirst();
}

/** A person by email, any case, with the subject they are already linked to at `issuer`, if any. */
export function findHumanByEmail(db: Kysely<Database>, email: string, issuer: string) {
  return db
    .selectFrom('accounts as a')
    .leftJoin('sso_identities as i', (join) =>
      join.onRef('i.account_id', '=', 'a.id').on('i.issuer', '=', issuer),
    )
    .select(['a.id', 'a.kind', 'a.email', 'a.name', 'a.internal_id', 'a.deactivated_at', 'i.subject'])
    .where('a.kind', '=', 'human')
    .where(sql<boolean>`lower(a.email) = ${email.toLowerCase()}`)
    .executeTakeFirst();
}

/** Links an identity to an account; one already linked, either way, is left as it is. */
export function linkIdentity(
  db: Kysely<Database>,
  link: { issuer: string; subject: string; accountId: string; at: Date },
) {
  return db
    .insertInto('sso_identities')
    .values({ issuer: link.issuer, subject: link.subject, account_id: link.accountId, created_at: link.at })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export function touchIdentity(db: Kysely<Database>, issuer: string, subject: string, at: Date) {
  return db
    .updateTable('sso_identities')
    .set({ last_sign_in_at: at })
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .execute();
}

export function insertSsoSession(
  db: Kysely<Database>,
  session: { sessionIdHash: string; issuer: string; idToken: string },
) {
  return db
    .insertInto('sso_sessions')
    .values({ session_id_hash: session.sessionIdHash, issuer: session.issuer, id_token: session.idToken })
    .execute();
}

export function findSsoSession(db: Kysely<Database>, sessionIdHash: string) {
  return db
    .selectFrom('sso_sessions')
    .select(['issuer', 'id_token'])
    .where('session_id_hash', '=', sessionIdHash)
    .executeTakeFirst();
}
