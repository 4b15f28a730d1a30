import { z } from 'zod';
import { timestamp } from '../platform/http/schemas.ts';

export const TokenUsageQuery = z.object({
  from: timestamp.optional().describe('Start of the range (default: 24 hours before `to`).'),
  to: timestamp.optional().describe('End of the range (default: now). At most 90 days after `from`.'),
  bucket: z.enum(['hour', 'day']).default('hour').describe('Count per hour or per UTC day.'),
});

export const TokenUsage = z
  .object({
    token_id: z.uuid(),
    from: timestamp,
    to: timestamp,
    bucket: z.enum(['hour', 'day']),
    points: z.array(
      z.object({
        start: timestamp.describe("The bucket's start."),
        uses: z.number().int().describe('Successful authentications.'),
        failures: z
          .number()
          .int()
          .describe('Refused authentications with this token: revoked, expired, owner deactivated.'),
      }),
    ),
  })
  .meta({ id: 'TokenUsage' });

export const TokenOrigins = z
  .object({
    items: z.array(
      z.object({
        ip: z.string().describe('The client address (behind a trusted proxy, the one it forwarded).'),
        user_agent: z.string().nullable(),
        first_seen_at: timestamp,
        last_seen_at: timestamp,
        uses: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'TokenOrigins' });
