import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/** NOTIFY on a channel; PostgreSQL delivers it to every LISTENing connection, this node's included. */
export async function sendNotification(
  db: Kysely<Database>,
  channel: string,
  payload: string,
): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}
