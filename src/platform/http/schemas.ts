import { z } from 'zod';

// The pieces every domain's API shapes are made of; each domain's schemas.ts holds its own shapes, which
// validate, serialize and document. Field names are the ones the services and the console use.

export const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp (UTC).');
export const nullableTimestamp = timestamp.nullable();

export const ErrorBody = z
  .object({
    code: z.string().describe('Stable, machine-readable reason, e.g. `token_revoked` or `invalid_request`.'),
    message: z.string().describe('A sentence for people; for invalid input it starts with the field.'),
    details: z.record(z.string(), z.unknown()).optional().describe('More about the error, e.g. `field`.'),
  })
  .meta({ id: 'Error' });

export const TeamRef = z.object({ id: z.uuid(), name: z.string() }).meta({ id: 'TeamRef' });

export const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  });

export const IdParams = z.object({ id: z.uuid() });

/** Query-string booleans: `true`/`false`/`1`/`0`. */
export const queryFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

export const search = z.string().trim().max(100).optional();
export const limit = z.coerce.number().int().min(1).max(100).default(50);
export const cursor = z.string().max(2000).optional();
export const order = z.enum(['asc', 'desc']).optional();
