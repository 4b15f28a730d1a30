import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, page } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import type { TokenPolicies } from './policy.ts';
import { Token, TokenPolicy, TokenPolicyBody, UnusedTokensQuery } from './schemas.ts';
import type { TokenService } from './service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

/** Settings → Security → Token policy. */
export function tokenPolicyRoutes(
  app: App,
  services: { tokenPolicies: TokenPolicies; tokens: TokenService },
): void {
  app.get(
    '/api/settings/token-policy',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'The token policy',
        description:
          'Per kind: the longest lifetime, whether Never is allowed, the preselected expiration and the ' +
          'inactivity sweep. Anyone may read it (the console offers only what it allows); `exceeding`, ' +
          'the count of active tokens it would not allow now, is for Admins.',
        response: { 200: TokenPolicy, ...errors },
      },
    },
    async (request) => services.tokenPolicies.get(callerOf(request)),
  );

  app.put(
    '/api/settings/token-policy',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Change the token policy',
        description:
          'Admins. Both kinds, in full. Tightening it changes no existing token (`exceeding` counts them). ' +
          '400 naming the field for a preselected expiration longer than the longest lifetime, or Never ' +
          'preselected while not allowed.',
        body: TokenPolicyBody,
        response: { 200: TokenPolicy, ...errors },
      },
    },
    async (request) => services.tokenPolicies.update(callerOf(request), request.body),
  );

  app.get(
    '/api/settings/token-policy/unused-tokens',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'What the inactivity sweep would revoke',
        description:
          'Admins. The dry run: active tokens of `kind`, anyone’s, unused for `days` days (never used: since ' +
          'their creation), least recently used first. Changes nothing.',
        querystring: UnusedTokensQuery,
        response: { 200: page(Token), ...errors },
      },
    },
    async (request) => services.tokens.listUnused(callerOf(request), request.query),
  );
}
