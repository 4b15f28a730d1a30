import { z } from 'zod';
import { MAX_EXPIRATION_DAYS } from '../../core/expiration.ts';
import { ROLES } from '../../core/roles.ts';
import { ACCOUNT_SORTS, TOKEN_SORTS } from '../../core/sorts.ts';
import { ACCOUNT_KINDS, TOKEN_KINDS } from '../../core/token-kind.ts';
import { TOKEN_STATUSES } from '../../core/token-status.ts';

// The shapes of the API, shared by validation, serialization and the OpenAPI document. Field names are
// the ones the services and the console use: one name for one idea.

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp (UTC).');
const nullableTimestamp = timestamp.nullable();

export const ErrorBody = z
  .object({
    code: z.string().describe('Stable, machine-readable reason, e.g. `token_revoked` or `invalid_request`.'),
    message: z.string().describe('A sentence for people; for invalid input it starts with the field.'),
    details: z.record(z.string(), z.unknown()).optional().describe('More about the error, e.g. `field`.'),
  })
  .meta({ id: 'Error' });

export const Team = z.object({ id: z.uuid(), name: z.string() }).meta({ id: 'TeamRef' });

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

export const Token = z
  .object({
    id: z.uuid(),
    kind: z.enum(TOKEN_KINDS),
    name: z.string(),
    status: z.enum(TOKEN_STATUSES).describe('Derived from the timestamps: expiry wins over revocation.'),
    created_at: timestamp,
    expires_at: nullableTimestamp.describe('Null: never expires.'),
    revoked_at: nullableTimestamp,
    revoked_reason: z.string().nullable(),
    last_used_at: nullableTimestamp.describe('Null: not used yet.'),
    last_used_ip: z.string().nullable(),
    last_used_user_agent: z.string().nullable(),
    hint: z.string().describe('The last 4 characters of the secret.'),
    scim_only: z.boolean(),
    owner: Owner,
  })
  .meta({ id: 'Token' });

export const Account = Owner.extend({
  role: z.enum(ROLES),
  teams: z.array(Team),
  status: z.enum(['active', 'deactivated']),
  created_at: timestamp,
  last_active_at: nullableTimestamp.describe('Last sign-in or token use; null: never.'),
  deactivated_at: nullableTimestamp,
  active_token_count: z.number().int(),
}).meta({ id: 'Account' });

export const TeamDetails = z
  .object({
    id: z.uuid(),
    name: z.string(),
    builtin: z.boolean(),
    member_count: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: 'Team' });

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

const search = z.string().trim().max(100).optional();
export const limit = z.coerce.number().int().min(1).max(100).default(50);
export const cursor = z.string().max(2000).optional();
const order = z.enum(['asc', 'desc']).optional();

/** `status=active,revoked` or `status=active&status=revoked`. */
const statusList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean))
  .pipe(z.array(z.enum(TOKEN_STATUSES)).max(3))
  .optional();

export const TokenListQuery = z.object({
  kind: z.enum(TOKEN_KINDS).default('personal'),
  q: search.describe('Part of the token name, any case.'),
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

export const GenerateTokenBody = z.strictObject({
  name: z.string().max(1000).describe('1–100 characters after trimming; unique per owner, ignoring case.'),
  kind: z.enum(TOKEN_KINDS).default('personal'),
  expires_in_days: z
    .number()
    .int()
    .min(1)
    .max(MAX_EXPIRATION_DAYS)
    .nullable()
    .describe('30, 60, 90, 365 in the console, any whole number from 1 to 365 here; null: never.'),
  service_user_id: z.uuid().optional().describe('Required for a service token.'),
  scim_only: z.boolean().optional().describe('Admins only: the token may call nothing but /scim/v2/.'),
});

export const GeneratedToken = z
  .object({
    token: Token,
    secret: z.string().describe('Shown this once: Tessera keeps only its SHA-256.'),
  })
  .meta({ id: 'GeneratedToken' });

// Fastify hands a missing body to the validator as null.
export const RevokeBody = z.strictObject({ reason: z.string().trim().max(500).optional() }).nullish();

export const AccountListQuery = z.object({
  kind: z.enum(ACCOUNT_KINDS).optional(),
  type: z.enum(ACCOUNT_KINDS).optional().describe('Same as `kind`.'),
  role: z.enum(ROLES).optional(),
  team: z.uuid().optional().describe('A team ID.'),
  q: search.describe('Part of the name, email or internal ID.'),
  id: z.uuid().optional().describe('Just this account (what the arrow in the Service tab links to).'),
  include_deactivated: queryFlag,
  sort: z
    .enum(ACCOUNT_SORTS)
    .default('name')
    .describe('`last_active_at` orders by the minute of the last activity, then by ID.'),
  order,
  limit,
  cursor,
});

const personName = z.string().max(1000).nullable().optional();
const email = z.email().max(320);
/**
 * A path must stay on this server once a browser resolves it: `//host/x`, `/\host/x` and `/<tab>/host/x`
 * all start with `/` yet load from another host. WHATWG URL parsing is what browsers do, so it decides.
 */
const OWN_ORIGIN = 'https://tessera.invalid';
// URL.parse, not new URL: `//[` does not parse, and a throw in a refinement would be a 500.
const onThisServer = (path: string) =>
  path.startsWith('/') && URL.parse(path, OWN_ORIGIN)?.origin === OWN_ORIGIN;
const avatarUrl = z
  .string()
  .max(2000)
  .refine(
    (v) => onThisServer(v) || /^https:\/\//.test(v),
    'Must be an https:// URL or a path on this server (one leading /, not //).',
  )
  .nullable()
  .optional();
const teamIds = z.array(z.uuid()).max(100).optional();

export const NewHumanBody = z.strictObject({
  email,
  name: personName,
  password: z
    .string()
    .max(1000)
    .optional()
    .describe('At least 12 characters; omitted: one is generated and returned once.'),
  role: z.enum(ROLES).default('member'),
  team_ids: teamIds,
  avatar_url: avatarUrl,
});

export const NewServiceUserBody = z.strictObject({
  name: personName,
  email: email.nullable().optional(),
  internal_id: z
    .string()
    .max(200)
    .optional()
    .describe('`svc-airflow` or `svc-airflow@service`; default: from the name.'),
  role: z.enum(ROLES).default('member'),
  team_ids: teamIds,
  avatar_url: avatarUrl,
});

export const AccountChangesBody = z.strictObject({
  name: personName,
  email: email.nullable().optional(),
  role: z.enum(ROLES).optional(),
  team_ids: teamIds,
  avatar_url: avatarUrl,
});

export const NewTeamBody = z.strictObject({ name: z.string().max(1000) });

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
