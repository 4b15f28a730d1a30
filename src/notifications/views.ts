import type { Selectable } from 'kysely';
import { isoTime } from '../core/iso-time.ts';
import type { Database } from '../platform/schema.ts';

export function webhookView(row: Selectable<Database['webhooks']>) {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since ? isoTime(row.failing_since) : null,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
export type WebhookView = ReturnType<typeof webhookView>;
