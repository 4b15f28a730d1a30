import { z } from 'zod';
import { TOKEN_DESCRIPTION_MAX } from '../core/description.ts';
import { MAX_EXPIRATION_DAYS } from '../core/expiration.ts';
import { MAX_ALLOWED_NETWORKS } from '../core/networks.ts';
import { MAX_GRACE_PERIOD_MINUTES } from '../core/rotation.ts';
import { MAX_TOKEN_SCOPES } from '../core/scopes.ts';
import { TOKEN_SORTS } from '../core/sorts.ts';
import { ACCOUNT_KINDS, TOKEN_KINDS } from '../core/token-kind.ts';
import { MAX_UNUSED_DAYS } from '../core/token-policy.ts';
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
    scopes: z
      .array(z.string())
      .describe(
        "`api`, `read_api`, `scim` and upstream scopes from the catalog (GET /api/scopes). In use: those the owner's role and the catalog still allow.",
      ),
    replaced_by: TokenRef.nullable().describe(
      'The token that replaced this one by rotation; this one stops at `revoked_at`. Null once that is deleted.',
    ),
    replaces: TokenRef.nullable().describe('The token this one replaced by rotation.'),
    allowed_networks: z
      .array(z.string())
      .nullable()
      .describe('The client networks (CIDR) the token may be used from; null: anywhere.'),
    federation: z
      .object({
        trust_policy_id: z.uuid().nullable().describe('Null once the trust policy is deleted.'),
        claims: z.record(z.string(), z.unknown()).describe("The CI's claims that earned the token."),
      })
      .nullable()
      .describe('Set on a token issued by `POST /oauth/token` (keyless CI); null otherwise.'),
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
  scope: z.string().max(64).optional().describe('Only tokens carrying this scope.'),
  status: statusList.describe('One or more of active, revoked, expired.'),
  service_user_id: z.uuid().optional().describe('Service tokens of one service user.'),
  exceeds_policy: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('`true`: only active tokens whose lifetime the token policy would not allow now.'),
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

const allowedNetworks = z
  .array(z.string().max(100))
  .max(1000)
  .nullable()
  .optional()
  .describe(
    `Client networks the token may be used from, as CIDR blocks or single addresses, IPv4 or IPv6 (at most ${MAX_ALLOWED_NETWORKS}); from anywhere else it gets 401 token_network. Null or left out: anywhere.`,
  );

export const GenerateTokenBody = z.strictObject({
  name: z.string().max(1000).describe('1–100 characters after trimming; unique per owner, ignoring case.'),
  kind: z.enum(TOKEN_KINDS).default('personal'),
  expires_in_days: expiresInDays.describe(
    '30, 60, 90, 365 in the console, any whole number from 1 to 365 here; null: never. Within the token ' +
      'policy (GET /api/settings/token-policy): beyond it, 400 naming the limit.',
  ),
  service_user_id: z.uuid().optional().describe('Required for a service token.'),
  scopes: z
    .array(z.string().max(200))
    .max(1000)
    .optional()
    .describe(
      `Default \`["api"]\`. Up to ${MAX_TOKEN_SCOPES}: \`api\` (everything the owner's role allows), \`read_api\` ` +
        '(GET and HEAD under /api/), `scim` (only /scim/v2/; Admins only) and upstream scopes from the catalog ' +
        "that the owner's role reaches. 400 naming an unknown scope, 403 naming one the owner's role does not allow.",
    ),
  description,
  allowed_networks: allowedNetworks,
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
  allowed_networks: allowedNetworks.describe(
    `Client networks the token may be used from (CIDR, IPv4 or IPv6, at most ${MAX_ALLOWED_NETWORKS}); null: anywhere; left out: unchanged.`,
  ),
});

export const LeakedSecretsBody = z.strictObject({
  text: z
    .string()
    .describe(
      'Any text (a log, a diff): every well-formed secret with a valid checksum in it is looked up, at most 100.',
    ),
});

export const RevokeLeakedBody = z.strictObject({
  secrets: z
    .array(z.string().max(100))
    .min(1)
    .max(100)
    .describe('The secrets to revoke, as found in the text (at most 100).'),
});

const LeakedSecret = z
  .object({
    kind: z.enum(TOKEN_KINDS),
    hint: z.string().describe('The last 4 characters of the secret: the secret itself is never sent back.'),
    token: Token.nullable().describe('Null: no token has this secret (never issued, or deleted).'),
    revoked: z.boolean().describe('Whether this call revoked it.'),
  })
  .meta({ id: 'LeakedSecret' });

export const LeakedSecrets = z.object({ items: z.array(LeakedSecret) }).meta({ id: 'LeakedSecrets' });

const KindPolicyBody = z.strictObject({
  max_days: z
    .number()
    .int()
    .min(1)
    .max(MAX_EXPIRATION_DAYS)
    .nullable()
    .describe('The longest lifetime of a new token, in days; null: up to 365.'),
  allow_never: z.boolean().describe('Whether a token may never expire.'),
  default_expires_in_days: z
    .number()
    .int()
    .min(1)
    .max(MAX_EXPIRATION_DAYS)
    .nullable()
    .describe('The expiration the console preselects; null: Never (only when Never is allowed).'),
  revoke_unused_after_days: z
    .number()
    .int()
    .min(1)
    .max(MAX_UNUSED_DAYS)
    .nullable()
    .describe('The inactivity sweep: revoke tokens unused for this many days; null: off.'),
});

export const TokenPolicyBody = z.strictObject({ personal: KindPolicyBody, service: KindPolicyBody });

export const TokenPolicy = z
  .object({
    personal: KindPolicyBody,
    service: KindPolicyBody,
    exceeding: z
      .object({ personal: z.number().int(), service: z.number().int() })
      .nullable()
      .describe('Active tokens of each kind the policy would not allow now (Admins; null for others).'),
  })
  .meta({ id: 'TokenPolicy' });

export const UnusedTokensQuery = z.object({
  kind: z.enum(TOKEN_KINDS),
  days: z.coerce.number().int().min(1).max(MAX_UNUSED_DAYS).describe('Unused for this many days.'),
  limit,
  cursor,
});
