import { z } from 'zod';
import { timestamp } from '../platform/http/schemas.ts';

export const Team = z
  .object({
    id: z.uuid(),
    name: z.string(),
    builtin: z.boolean(),
    member_count: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: 'Team' });

export const NewTeamBody = z.strictObject({ name: z.string().max(1000) });
