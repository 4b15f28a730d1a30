import formbody from '@fastify/formbody';
import { z } from 'zod';
import { BODY_LIMIT } from '../platform/http/body-limit.ts';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, IdParams } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import { type ExchangeForm, ExchangeRefused, type TokenExchange } from './exchange.ts';
import {
  ExchangeResponse,
  OAuthError,
  PolicyParams,
  TrustPolicy,
  TrustPolicyBody,
  TrustPolicyList,
  TrustPolicyPatch,
} from './schemas.ts';
import type { TrustPolicies } from './trust-policies.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export function trustPolicyRoutes(app: App, services: { trustPolicies: TrustPolicies }): void {
  const base = '/api/service-users/:id/trust-policies';
  app.get(
    base,
    {
      schema: {
        tags: ['Keyless CI'],
        summary: "A service user's trust policies",
        description: 'Admins. Oldest first.',
        params: IdParams,
        response: { 200: TrustPolicyList, ...errors },
      },
    },
    async (request) => ({ items: await services.trustPolicies.list(callerOf(request), request.params.id) }),
  );

  app.post(
    base,
    {
      schema: {
        tags: ['Keyless CI'],
        summary: 'Add a trust policy',
        description:
          'Admins. A CI job whose OIDC token comes from `issuer`, for `audience`, and meets every condition may ' +
          'trade it at `POST /oauth/token` for a token of this service user living `lifetime_minutes`.',
        params: IdParams,
        body: TrustPolicyBody,
        response: { 201: TrustPolicy, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await services.trustPolicies.create(callerOf(request), request.params.id, request.body)),
  );

  app.patch(
    `${base}/:policyId`,
    {
      schema: {
        tags: ['Keyless CI'],
        summary: 'Change a trust policy',
        description: 'Admins. Fields left out stay as they are; `conditions` is replaced whole.',
        params: PolicyParams,
        body: TrustPolicyPatch,
        response: { 200: TrustPolicy, ...errors },
      },
    },
    async (request) =>
      services.trustPolicies.update(
        callerOf(request),
        request.params.id,
        request.params.policyId,
        request.body,
      ),
  );

  app.delete(
    `${base}/:policyId`,
    {
      schema: {
        tags: ['Keyless CI'],
        summary: 'Delete a trust policy',
        description:
          'Admins. No more exchanges under it; tokens it issued live out their minutes unless revoked.',
        params: PolicyParams,
        response: { 204: z.null().describe('Deleted.'), ...errors },
      },
    },
    async (request, reply) => {
      await services.trustPolicies.delete(callerOf(request), request.params.id, request.params.policyId);
      return reply.status(204).send(null);
    },
  );
}

const FORM_FIELDS = [
  'grant_type',
  'subject_token',
  'subject_token_type',
  'requested_token_type',
  'audience',
  'actor_token',
] as const;

/** The form's fields; a field sent twice (RFC 6749 §3.2: never) or not as text is a refusal. */
function readForm(body: unknown): ExchangeForm {
  if (typeof body !== 'object' || body === null) {
    throw new ExchangeRefused('Send the request form-encoded (application/x-www-form-urlencoded).');
  }
  const form: ExchangeForm = {};
  for (const field of FORM_FIELDS) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new ExchangeRefused(`${field} must be sent once, as text.`);
    form[field] = value;
  }
  return form;
}

/**
 * `POST /oauth/token`, RFC 8693 token exchange. Public: the JWT is the credential. Refusals count against
 * the address's budget of failed authentications, as a bad token does.
 */
export async function tokenExchangeRoute(app: App, services: { exchange: TokenExchange }): Promise<void> {
  await app.register(async (forms: App) => {
    await forms.register(formbody, { bodyLimit: BODY_LIMIT });
    forms.post(
      '/oauth/token',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['Keyless CI'],
          summary: "Trade a CI job's OIDC token for a service token (RFC 8693)",
          description:
            'Form-encoded: `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`, `subject_token=<JWT>`, ' +
            '`subject_token_type=urn:ietf:params:oauth:token-type:jwt`; optionally `audience=<service user internal ' +
            'ID>` when the JWT meets trust policies of more than one. 400 `invalid_request` with the reason ' +
            'otherwise (audited); 429 for an address over its failure budget. See docs/KEYLESS-CI.md.',
          // A body refused before the handler (too deep, bad text) is a 400 in the API's shape.
          response: { 200: ExchangeResponse, 400: z.union([OAuthError, ErrorBody]), 429: ErrorBody },
        },
      },
      async (request, reply) => {
        const attempts = app.authentication.attempts;
        const blocked = attempts.blocked('auth_address', request.ip);
        if (blocked) throw app.authentication.rateLimited(request, blocked);
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        const origin = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
        try {
          return await services.exchange.exchange(origin, () => readForm(request.body));
        } catch (error) {
          if (!(error instanceof ExchangeRefused)) throw error;
          attempts.fail('auth_address', request.ip);
          return reply.status(400).send({ error: error.error, error_description: error.message });
        }
      },
    );
  });
}
