import { z } from 'zod';
import { timestamp } from '../platform/http/schemas.ts';
import { MAX_CONDITIONS, MAX_LIFETIME_MINUTES, MIN_LIFETIME_MINUTES } from './trust-policies.ts';

const Condition = z
  .strictObject({
    claim: z.string().max(200).describe('A claim of the JWT: `sub`, `repository`, `ref`, `environment`, …'),
    value: z
      .string()
      .max(1000)
      .describe('What the claim must be; with `match: glob`, `*` is any run of characters and `?` any one.'),
    match: z.enum(['exact', 'glob']).default('exact'),
  })
  .meta({ id: 'TrustCondition' });

const fields = {
  issuer: z
    .string()
    .max(500)
    .describe(
      'The OIDC issuer, exactly as JWTs name it (`iss`): https (http only on the loopback interface).',
    ),
  audience: z.string().max(1000).describe('The `aud` the CI job asks its JWT for.'),
  conditions: z
    .array(Condition)
    .max(100)
    .describe(
      `1 to ${MAX_CONDITIONS} conditions, all of which must hold; one on \`sub\`, not beginning with a wildcard.`,
    ),
  lifetime_minutes: z
    .number()
    .int()
    .min(MIN_LIFETIME_MINUTES)
    .max(MAX_LIFETIME_MINUTES)
    .describe(`How long an issued token lives: ${MIN_LIFETIME_MINUTES} to ${MAX_LIFETIME_MINUTES} minutes.`),
  scopes: z
    .array(z.string().max(200))
    .max(100)
    .describe(
      'The scopes of the tokens it issues (`api`, `read_api`, `scim`, catalog scopes the service user’s role ' +
        'reaches); default `["api"]`.',
    ),
};

export const TrustPolicyBody = z.strictObject({ ...fields, scopes: fields.scopes.optional() });
export const TrustPolicyPatch = z.strictObject({
  issuer: fields.issuer.optional(),
  audience: fields.audience.optional(),
  conditions: fields.conditions.optional(),
  lifetime_minutes: fields.lifetime_minutes.optional(),
  scopes: fields.scopes.optional(),
});

export const TrustPolicy = z
  .object({
    id: z.uuid(),
    service_user_id: z.uuid(),
    issuer: z.string(),
    audience: z.string(),
    conditions: z.array(z.object({ claim: z.string(), value: z.string(), match: z.enum(['exact', 'glob']) })),
    lifetime_minutes: z.number().int(),
    scopes: z.array(z.string()),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'TrustPolicy' });

export const TrustPolicyList = z.object({ items: z.array(TrustPolicy) }).meta({ id: 'TrustPolicyList' });

export const PolicyParams = z.object({ id: z.uuid(), policyId: z.uuid() });

export const ExchangeResponse = z
  .object({
    access_token: z.string().describe('A service token (`tsr_svc_…`), shown this once.'),
    issued_token_type: z.literal('urn:ietf:params:oauth:token-type:access_token'),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().describe("Seconds until the token expires: the trust policy's lifetime."),
  })
  .meta({ id: 'TokenExchangeResponse' });

export const OAuthError = z
  .object({
    error: z.enum(['invalid_request', 'unsupported_grant_type']),
    error_description: z.string(),
  })
  .meta({ id: 'OAuthError' });
