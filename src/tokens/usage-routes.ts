import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, IdParams } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import type { TokenUsage } from './usage.ts';
import { TokenOrigins, TokenUsageQuery, TokenUsage as TokenUsageSchema } from './usage-schemas.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** A token's usage counts and origins; whoever may see the token may see them. */
export function tokenUsageRoutes(app: App, services: { tokenUsage: TokenUsage }): void {
  app.get(
    '/api/tokens/:id/usage',
    {
      schema: {
        tags: ['Tokens'],
        summary: "A token's usage over time",
        description:
          'Successful and refused authentications per hour or UTC day, every bucket of the range included ' +
          '(zeros too). Kept 90 days; counts lag a use by up to a second. 400 naming the field when `from` ' +
          'is after `to` or the range is longer than 90 days.',
        params: IdParams,
        querystring: TokenUsageQuery,
        response: { 200: TokenUsageSchema, ...errors },
      },
    },
    async (request) => services.tokenUsage.usage(callerOf(request), request.params.id, request.query),
  );

  app.get(
    '/api/tokens/:id/origins',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Where a token is used from',
        description:
          'The last 20 distinct (client address, user agent) the token authenticated from, newest first, ' +
          'each with when it was first and last seen and how many uses it made. Kept 90 days.',
        params: IdParams,
        response: { 200: TokenOrigins, ...errors },
      },
    },
    async (request) => services.tokenUsage.origins(callerOf(request), request.params.id),
  );
}
