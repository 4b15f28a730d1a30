import { z } from 'zod';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, IdParams, page } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import {
  GeneratedToken,
  GenerateTokenBody,
  RevokeBody,
  RotateTokenBody,
  Token,
  TokenListQuery,
  UpdateTokenBody,
} from './schemas.ts';
import type { TokenService } from './service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function tokenRoutes(app: App, services: { tokens: TokenService }): void {
  app.get(
    '/api/tokens',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'List tokens',
        description:
          "`kind=personal`: the caller's own personal tokens. `kind=service`: every service token (Admins). " +
          'Search by name, filter by status and service user, sort, and page with `cursor`.',
        querystring: TokenListQuery,
        response: { 200: page(Token), ...errors },
      },
    },
    async (request) => {
      const { order, ...query } = request.query;
      return services.tokens.list(callerOf(request), {
        ...query,
        order: order ?? (query.sort === 'name' ? 'asc' : 'desc'),
      });
    },
  );

  app.post(
    '/api/tokens',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Generate a token',
        description:
          'Personal tokens for the caller; service tokens (and the scope `scim`) for Admins. The response holds ' +
          'the secret, this once.',
        body: GenerateTokenBody,
        response: { 201: GeneratedToken, ...errors },
      },
    },
    async (request, reply) => {
      const generated = await services.tokens.generate(callerOf(request), request.body);
      return reply.status(201).header('cache-control', 'no-store').send(generated);
    },
  );

  app.get(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'One token',
        params: IdParams,
        response: { 200: Token, ...errors },
      },
    },
    async (request) => services.tokens.get(callerOf(request), request.params.id),
  );

  app.post(
    '/api/tokens/:id/revoke',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Revoke an active token',
        description: 'It stops authenticating at once. 409 unless the token is active.',
        params: IdParams,
        body: RevokeBody,
        response: { 200: Token, ...errors },
      },
    },
    async (request) =>
      services.tokens.revoke(callerOf(request), request.params.id, request.body?.reason || null),
  );

  app.post(
    '/api/tokens/:id/restore',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Restore a revoked token',
        description: '409 unless the token is revoked (an expired token cannot come back).',
        params: IdParams,
        response: { 200: Token, ...errors },
      },
    },
    async (request) => services.tokens.restore(callerOf(request), request.params.id),
  );

  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Delete a revoked or expired token',
        description: 'Gone for good; the audit log keeps a record. 409 for an active token.',
        params: IdParams,
        response: { 204: z.null().describe('Deleted.'), ...errors },
      },
    },
    async (request, reply) => {
      await services.tokens.delete(callerOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Rename a token, or change its description or its allowed networks',
        description:
          'Whoever may revoke the token may edit it, whatever its status. A change of `allowed_networks` applies ' +
          'from the next request.',
        params: IdParams,
        body: UpdateTokenBody,
        response: { 200: Token, ...errors },
      },
    },
    async (request) => services.tokens.update(callerOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/tokens/:id/rotate',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Rotate a token',
        description:
          'A new token with the same name, owner, kind and description and a new secret (shown this once); by ' +
          'default as long-lived as the old one. The old secret keeps working for the grace period, then the ' +
          'old token is revoked with the reason `rotated`. 409 unless the token is active and not already rotated.',
        params: IdParams,
        body: RotateTokenBody,
        response: { 201: GeneratedToken, ...errors },
      },
    },
    async (request, reply) => {
      const rotated = await services.tokens.rotate(callerOf(request), request.params.id, request.body);
      return reply.status(201).header('cache-control', 'no-store').send(rotated);
    },
  );

  app.post(
    '/api/tokens/self/rotate',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Rotate the calling token',
        description:
          'As `POST /api/tokens/{id}/rotate`, for the bearer token of the request itself: a pipeline renews its ' +
          'own credential without a person. 403 for a console session.',
        body: RotateTokenBody,
        response: { 201: GeneratedToken, ...errors },
      },
    },
    async (request, reply) => {
      const rotated = await services.tokens.rotateSelf(callerOf(request), request.body);
      return reply.status(201).header('cache-control', 'no-store').send(rotated);
    },
  );
}
