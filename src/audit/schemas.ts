import { z } from 'zod';
import { limit, timestamp } from '../platform/http/schemas.ts';

export const AuditEvent = z
  .object({
    id: z.string(),
    at: timestamp,
    action: z.string(),
    actor: z.object({ id: z.uuid(), label: z.string().nullable(), token_id: z.uuid().nullable() }).nullable(),
    target: z.object({ type: z.string(), id: z.uuid().nullable(), label: z.string().nullable() }).nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export const AuditQuery = z.object({
  actor_id: z.uuid().optional(),
  target_id: z.uuid().optional(),
  action: z.string().max(100).optional(),
  limit,
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, 'Not a cursor from this list.')
    .optional(),
});
