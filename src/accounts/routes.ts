import { z } from 'zod';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, IdParams, page } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import {
  Account,
  AccountChangesBody,
  AccountListQuery,
  ChangePasswordBody,
  NewHumanBody,
  NewServiceUserBody,
} from './schemas.ts';
import type { AccountService } from './service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function accountRoutes(app: App, services: { accounts: AccountService }): void {
  app.get(
    '/api/users',
    {
      schema: {
        tags: ['Users'],
        summary: 'List people and service users',
        description:
          'Managers and Admins. Deactivated accounts only with `include_deactivated=true` (or `id`).',
        querystring: AccountListQuery,
        response: { 200: page(Account), ...errors },
      },
    },
    async (request) => {
      const { type, kind, order, include_deactivated, ...query } = request.query;
      return services.accounts.list(callerOf(request), {
        ...query,
        kind: kind ?? type,
        include_deactivated: include_deactivated ?? false,
        order: order ?? (query.sort === 'name' || query.sort === 'role' ? 'asc' : 'desc'),
      });
    },
  );

  app.get(
    '/api/users/:id',
    {
      schema: {
        tags: ['Users'],
        summary: 'One account',
        params: IdParams,
        response: { 200: Account, ...errors },
      },
    },
    async (request) => services.accounts.get(callerOf(request), request.params.id),
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags: ['Users'],
        summary: 'Add a person',
        description:
          'Admins. Without `password`, one is generated and returned once as `initial_password`. With password ' +
          'sign-in off, none is generated: the person signs in through single sign-on.',
        body: NewHumanBody,
        response: {
          201: z.object({ account: Account, initial_password: z.string().optional() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const created = await services.accounts.createHuman(callerOf(request), request.body);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.post(
    '/api/me/password',
    {
      schema: {
        tags: ['Session'],
        summary: 'Change your own password',
        description:
          'From a console session, by the person themselves: `current_password` is required, and every ' +
          'other session of theirs ends. A wrong current password is 400 naming `current_password`.',
        body: ChangePasswordBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { current_password, new_password } = request.body;
      await services.accounts.changeOwnPassword(callerOf(request), current_password, new_password);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/service-users',
    {
      schema: {
        tags: ['Users'],
        summary: 'Add a service user',
        description:
          'Admins. Its internal ID is `<slug>@service`, from `internal_id` or else the name; a clash is 409.',
        body: NewServiceUserBody,
        response: { 201: Account, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await services.accounts.createServiceUser(callerOf(request), request.body)),
  );

  app.patch(
    '/api/users/:id',
    {
      schema: {
        tags: ['Users'],
        summary: 'Change name, email, role, teams or avatar',
        description:
          'Admins. Nobody changes their own role. Everyone stays in Public. The last active person with ' +
          'the Admin role keeps it (409 `last_admin`).',
        params: IdParams,
        body: AccountChangesBody,
        response: { 200: Account, ...errors },
      },
    },
    async (request) => services.accounts.update(callerOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/users/:id/deactivate',
    {
      schema: {
        tags: ['Users'],
        summary: 'Deactivate an account',
        description:
          "Admins. A service user with active tokens is refused (409). A person's active tokens are revoked " +
          'with the reason "owner deactivated", and their sessions end. The last active person with the ' +
          'Admin role cannot be deactivated (409 `last_admin`).',
        params: IdParams,
        response: { 200: Account, ...errors },
      },
    },
    async (request) => services.accounts.deactivate(callerOf(request), request.params.id),
  );

  app.post(
    '/api/users/:id/reactivate',
    {
      schema: {
        tags: ['Users'],
        summary: 'Reactivate an account',
        description: 'Admins. No token is restored.',
        params: IdParams,
        response: { 200: Account, ...errors },
      },
    },
    async (request) => services.accounts.reactivate(callerOf(request), request.params.id),
  );
}
