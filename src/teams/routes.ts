import { z } from 'zod';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import { NewTeamBody, Team } from './schemas.ts';
import type { TeamService } from './service.ts';

export function teamRoutes(app: App, services: { teams: TeamService }): void {
  app.get(
    '/api/teams',
    {
      schema: {
        tags: ['Teams'],
        summary: 'List teams',
        response: { 200: z.object({ items: z.array(Team) }), 401: ErrorBody },
      },
    },
    async () => ({ items: await services.teams.list() }),
  );

  app.post(
    '/api/teams',
    {
      schema: {
        tags: ['Teams'],
        summary: 'Create a team',
        description: 'Admins. Names are unique ignoring case.',
        body: NewTeamBody,
        response: { 201: Team, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await services.teams.create(callerOf(request), request.body.name)),
  );
}
