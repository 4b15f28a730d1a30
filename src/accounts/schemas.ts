import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from '../core/password-rules.ts';
import { ROLES } from '../core/roles.ts';
import { SIGN_IN_METHODS } from '../core/sign-in-methods.ts';
import { ACCOUNT_SORTS } from '../core/sorts.ts';
import { ACCOUNT_KINDS } from '../core/token-kind.ts';
import {
  cursor,
  limit,
  nullableTimestamp,
  order,
  queryFlag,
  search,
  TeamRef,
  timestamp,
} from '../platform/http/schemas.ts';
import { Owner } from '../tokens/index.ts';

export const Account = Owner.extend({
  role: z.enum(ROLES),
  teams: z.array(TeamRef),
  status: z.enum(['active', 'deactivated']),
  created_at: timestamp,
  last_active_at: nullableTimestamp.describe('Last sign-in or token use; null: never.'),
  deactivated_at: nullableTimestamp,
  active_token_count: z.number().int(),
  external_id: z
    .string()
    .nullable()
    .describe("The identity provider's ID for the person (SCIM `externalId`)."),
  scim_updated_at: nullableTimestamp.describe(
    'When SCIM last created or changed the account; null: never. Its name, email and active state are then ' +
      "the identity provider's: `PATCH` refuses a change to the name or email (409 `managed_by_scim`).",
  ),
  sign_in_methods: z
    .array(z.enum(SIGN_IN_METHODS))
    .describe('How the person signs in: `password` (one is set), `sso` (linked to the OpenID provider).'),
}).meta({ id: 'Account' });

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
    .describe(`At least ${PASSWORD_MIN_LENGTH} characters; omitted: one is generated and returned once.`),
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

export const ChangePasswordBody = z.strictObject({
  current_password: z.string().max(1000),
  new_password: z.string().max(1000).describe(`At least ${PASSWORD_MIN_LENGTH} characters.`),
});
