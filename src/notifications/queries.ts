import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { Mail } from './mailer.ts';

/** Queue one email with `db` (a transaction: it is sent only if that commits). */
export async function queueMails(db: Kysely<Database>, mails: Mail[], now: Date): Promise<void> {
  if (mails.length === 0) return;
  await db
    .insertInto('mail_outbox')
    .values(
      mails.map((m) => ({
        recipient: m.to,
        subject: m.subject,
        text_body: m.text,
        html_body: m.html,
        created_at: now,
        next_attempt_at: now,
      })),
    )
    .execute();
}

/** The addresses of every active Admin with an email. */
export async function adminEmails(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('accounts')
    .select('email')
    .where('role', '=', 'admin')
    .where('deactivated_at', 'is', null)
    .where('email', 'is not', null)
    .orderBy('email')
    .execute();
  return rows.map((r) => r.email!);
}

export async function accountEmail(db: Kysely<Database>, id: string): Promise<string | null> {
  const row = await db.selectFrom('accounts').select('email').where('id', '=', id).executeTakeFirst();
  return row?.email ?? null;
}

export async function readThresholds(db: Kysely<Database>): Promise<number[]> {
  const row = await db
    .selectFrom('notification_settings')
    .select('expiry_thresholds_days')
    .executeTakeFirstOrThrow();
  return row.expiry_thresholds_days;
}
