import { z } from 'zod';
import { ROLES } from '../../core/roles.ts';
import type { Services } from '../../services/index.ts';
import { callerOf } from '../auth.ts';
import { ErrorBody, Owner, Team, Token } from '../schemas.ts';
import type { App } from '../types.ts';

const Me = z
  .object({
    account: Owner.extend({ role: z.enum(ROLES), teams: z.array(Team) }),
    via: z.enum(['session', 'token']),
    token: Token.nullable().describe('The token that authenticated this request, if one did.'),
    csrf_token: z.string().nullable().describe('For a session: send it as X-CSRF-Token on changes.'),
  })
  .meta({ id: 'Me' });

export function meRoutes(app: App, services: Services): void {
  app.get(
    '/api/me',
    {
      schema: {
        tags: ['Session'],
        summary: 'Who is calling',
        description: 'The account with its current role and teams, and the token used, if any.',
        response: { 200: Me, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { principal } = caller;
      const token = principal.token ? await services.tokens.describeOwn(caller, principal.token.id) : null;
      reply.header('cache-control', 'no-store');
      return {
        account: principal.account,
        via: principal.via,
        token,
        csrf_token: principal.session?.csrfToken ?? null,
      };
    },
  );
}
