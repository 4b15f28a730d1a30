import type { Kysely, Selectable } from 'kysely';
import type { AuditEventsTable, Database } from '../platform/schema.ts';

/** An audit row as written: every column but the generated id, `details` as an object. */
export type NewAuditEvent = Omit<Selectable<AuditEventsTable>, 'id'>;

export async function insertAuditEvents(db: Kysely<Database>, events: NewAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('audit_events')
    .values(events.map((e) => ({ ...e, details: JSON.stringify(e.details) })))
    .execute();
}

export interface AuditFilter {
  actorId?: string;
  targetId?: string;
  action?: string;
  /** Events older than this id (the cursor of the previous page). */
  beforeId?: string;
  limit: number;
}

export async function listAuditEvents(db: Kysely<Database>, filter: AuditFilter) {
  let query = db.selectFrom('audit_events').selectAll();
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.beforeId) query = query.where('id', '<', filter.beforeId);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  return { rows: page, nextCursor: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null };
}
