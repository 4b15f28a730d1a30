import { z } from 'zod';
import { ROLES } from '../core/roles.ts';
import { SCOPE_DESCRIPTION_MAX } from '../core/scopes.ts';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, timestamp } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import type { ScopeCatalog } from './scope-catalog.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

const Scope = z
  .object({
    name: z.string(),
    description: z.string(),
    min_role: z.enum(ROLES).describe('The lowest role an owner needs for a token to carry it.'),
    token_count: z.number().int().describe('Active tokens that carry it.'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Scope' });

const description = z
  .string()
  .max(10_000)
  .describe(`Up to ${SCOPE_DESCRIPTION_MAX} characters, one line; shown in the Generate Token dialog.`);

const CreateScopeBody = z.strictObject({
  name: z
    .string()
    .max(1000)
    .describe('`^[a-z][a-z0-9_.:-]{0,63}$`, not one of `api`, `read_api`, `scim`; 400 otherwise.'),
  description: description.optional(),
  min_role: z.enum(ROLES).default('member'),
});

const UpdateScopeBody = z.strictObject({
  description: description.optional(),
  min_role: z.enum(ROLES).optional(),
});

const ScopeParams = z.object({ name: z.string().max(1000) });

/** Settings → Security → Scopes: the catalog of upstream scopes. */
export function scopeRoutes(app: App, services: { scopes: ScopeCatalog }): void {
  app.get(
    '/api/scopes',
    {
      schema: {
        tags: ['Scopes'],
        summary: 'The catalog of upstream scopes',
        description:
          "Anyone signed in (the console offers a person the scopes their role reaches). Tessera's own scopes " +
          '(`api`, `read_api`, `scim`) are not in it.',
        response: { 200: z.object({ items: z.array(Scope) }), ...errors },
      },
    },
    async (request) => ({ items: await services.scopes.list(callerOf(request)) }),
  );

  app.post(
    '/api/scopes',
    {
      schema: {
        tags: ['Scopes'],
        summary: 'Add an upstream scope',
        description: 'Admins. 409 `scope_taken` for a name the catalog holds already.',
        body: CreateScopeBody,
        response: { 201: Scope, 409: ErrorBody, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await services.scopes.create(callerOf(request), request.body)),
  );

  app.patch(
    '/api/scopes/:name',
    {
      schema: {
        tags: ['Scopes'],
        summary: 'Change an upstream scope',
        description:
          'Admins. Raising `min_role` takes the scope from the tokens of owners below it on their next request, on every node.',
        params: ScopeParams,
        body: UpdateScopeBody,
        response: { 200: Scope, ...errors },
      },
    },
    async (request) => services.scopes.update(callerOf(request), request.params.name, request.body),
  );

  app.delete(
    '/api/scopes/:name',
    {
      schema: {
        tags: ['Scopes'],
        summary: 'Delete an upstream scope',
        description:
          'Admins. Takes it off every token that carries it, at once on every node; answers how many active ' +
          'tokens did (the console asks for confirmation first, with `token_count` from the list).',
        params: ScopeParams,
        response: { 200: z.object({ name: z.string(), token_count: z.number().int() }), ...errors },
      },
    },
    async (request) => ({
      name: request.params.name,
      ...(await services.scopes.delete(callerOf(request), request.params.name)),
    }),
  );
}
