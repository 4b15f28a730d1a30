import { z } from 'zod';
import { TOKEN_DESCRIPTION_MAX } from '../core/description.ts';
import { MAX_EXPIRATION_DAYS } from '../core/expiration.ts';
import { MAX_GRACE_PERIOD_MINUTES } from '../core/rotation.ts';
import { TOKEN_SORTS } from '../core/sorts.ts';
import { ACCOUNT_KINDS, TOKEN_KINDS } from '../core/token-kind.ts';
import { TOKEN_STATUSES } from '../core/token-status.ts';
import { cursor, limit, nullableTimestamp, order, search, timestamp } from '../platform/http/schemas.ts';

export const Owner = z
  .object({
    id: z.uuid(),
    kind: z.enum(ACCOUNT_KINDS),
    name: z.string().nullable(),
    email: z.string().nullable(),
    internal_id: z.string().nullable().describe('`<slug>@service` for service users; null for people.'),
    avatar_url: z.string().nullable(),
  })
  .meta({ id: 'Owner' });

const TokenRef = z.object({ id: z.uuid(), name: z.string() }).meta({ id: 'TokenRef' });

export const Token = z
  .object({
    id: z.uuid(),
    kind: z.enum(TOKEN_KINDS),
    name: z.string(),
    description: z.string().nullable().describe('Free text from the owner; null: none.'),
    status: z.enum(TOKEN_STATUSES).describe('Derived from the timestamps: expiry wins over revocation.'),
    created_at: timestamp,
    expires_at: nullableTimestamp.describe('Null: never expires.'),
    revoked_at: nullableTimestamp.describe(
      "When it was revoked, or, still ahead on an active token, when it will be: the end of a rotation's grace period.",
    ),
    revoked_reason: z.string().nullable(),
    last_used_at: nullableTimestamp.describe('Null: not used yet.'),
    last_used_ip: z.string().nullable(),
    last_used_user_agent: z.string().nullable(),
    hint: z.string().describe('The last 4 characters of the secret.'),
    scim_only: z.boolean(),
    replaced_by: TokenRef.nullable().describe(
      'The token that replaced this one by rotation; this one stops at `revoked_at`. Null once that is deleted.',
    ),
    replaces: TokenRef.nullable().describe('The token this one replaced by rotation.'),
    owner: Owner,
  })
  .meta({ id: 'Token' });

/** `status=active,revoked` or `status=active&status=revoked`. */
const statusList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean))
  .pipe(z.array(z.enum(TOKEN_STATUSES)).max(3))
  .optional();

export const TokenListQuery = z.object({
  kind: z.enum(TOKEN_KINDS).default('personal'),
  q: search.describe('Part of the token name or description, any case.'),
  status: statusList.describe('One or more of active, revoked, expired.'),
  service_user_id: z.uuid().optional().describe('Service tokens of one service user.'),
  sort: z
    .enum(TOKEN_SORTS)
    .default('created_at')
    .describe('`last_used_at` orders by the minute of the last use, then by ID.'),
  order,
  limit,
  cursor,
});

const description = z
  .string()
  .max(10_000)
  .nullable()
  .optional()
  .describe(
    `Up to ${TOKEN_DESCRIPTION_MAX} characters after trimming; newlines allowed, no other control characters. Empty or null: none.`,
  );

const expiresInDays = z
  .number()
  .int()
  .min(1)
  .max(MAX_EXPIRATION_DAYS)
  .nullable()
  .describe('30, 60, 90, 365 in the console, any whole number from 1 to 365 here; null: never.');

export const GenerateTokenBody = z.strictObject({
  name: z.string().max(1000).describe('1–100 characters after trimming; unique per owner, ignoring case.'),
  kind: z.enum(TOKEN_KINDS).default('personal'),
  expires_in_days: expiresInDays,
  service_user_id: z.uuid().optional().describe('Required for a service token.'),
  scim_only: z.boolean().optional().describe('Admins only: the token may call nothing but /scim/v2/.'),
  description,
});

export const GeneratedToken = z
  .object({
    token: Token,
    secret: z.string().describe('Shown this once: Tessera keeps only its SHA-256.'),
  })
  .meta({ id: 'GeneratedToken' });

const REVOKE_REASON_MAX = 500;

// Fastify hands a missing body to the validator as null.
export const RevokeBody = z
  .strictObject({ reason: z.string().trim().max(REVOKE_REASON_MAX).optional() })
  .nullish();

export const RotateTokenBody = z.strictObject({
  grace_period_minutes: z
    .number()
    .int()
    .min(0)
    .max(MAX_GRACE_PERIOD_MINUTES)
    .describe('How long the old secret keeps working: 0 (it stops at once) to 10080 (7 days).'),
  expires_in_days: expiresInDays
    .optional()
    .describe("The new token's lifetime from now; left out: as long as the old one's; null: never."),
});

export const UpdateTokenBody = z.strictObject({
  name: z.string().max(1000).optional().describe('1–100 characters after trimming; unique per owner.'),
  description,
});
