import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { AccountService } from '../accounts/index.ts';
import { isAdmin, isScimToken } from '../platform/caller.ts';
import { databaseFailure } from '../platform/database-errors.ts';
import { callerOf } from '../platform/http/request-caller.ts';
import type { App } from '../platform/http/types.ts';
import type { DatabaseOutage } from '../platform/outage.ts';
import type { Database } from '../platform/schema.ts';
import type { TeamService } from '../teams/index.ts';
import { invalidValue, mutability, ScimError, scimErrorBody, scimNotFound, toScimError } from './errors.ts';
import { filterCondition, parseFilter } from './filter.ts';
import { groupFromResource, groupLocation, groupResource, UUID } from './groups.ts';
import { groupChange, patchUser, readOperations } from './patch.ts';
import { includes, type Projection, project, readProjection } from './projection.ts';
import {
  findPerson,
  findTeam,
  GROUP_COLUMNS,
  listPeople,
  listTeams,
  membersOf,
  type Page,
  USER_COLUMNS,
} from './queries.ts';
import {
  ERROR_SCHEMA,
  LIST_SCHEMA,
  MAX_RESULTS,
  resourceTypes,
  SCIM_MEDIA_TYPE,
  schemaResources,
  serviceProviderConfig,
} from './schemas.ts';
import {
  field,
  isObject,
  type Json,
  personFromResource,
  userDocument,
  userLocation,
  userResource,
} from './users.ts';

/** Where the SCIM API lives; a token with only the scope `scim` may call nothing else (src/auth). */
export const SCIM_BASE_PATH = '/scim/v2';
/** A Group's members can be many: its bodies may be larger than the rest of the API's. */
export const SCIM_BODY_LIMIT = 1024 * 1024;

export interface ScimServices {
  db: Kysely<Database>;
  accounts: AccountService;
  teams: TeamService;
  outage: DatabaseOutage;
}

type Query = Record<string, unknown>;

/** A query parameter, its name compared without case; a repeated one is refused. */
function param(request: FastifyRequest, name: string): string | undefined {
  const value = field(request.query as Query, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidValue(`${name} may be given once.`);
  return value;
}

/** startIndex (1-based, at least 1) and count (0 to 100, default 100), as RFC 7644 §3.4.2.4 reads them. */
function pageOf(request: FastifyRequest): Page & { startIndex: number } {
  const number = (name: string) => {
    const text = param(request, name);
    if (text === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(text.trim())) throw invalidValue(`${name} must be a whole number.`);
    return Number(text.trim());
  };
  const startIndex = Math.max(1, number('startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, number('count') ?? MAX_RESULTS));
  return { startIndex, offset: startIndex - 1, limit: count };
}

function projectionOf(request: FastifyRequest, resource: 'User' | 'Group'): Projection {
  return readProjection(resource, {
    attributes: param(request, 'attributes'),
    excludedAttributes: param(request, 'excludedAttributes'),
  });
}

/** The SCIM base URL as the client reached it (behind a trusted proxy, as the proxy says). */
const baseOf = (request: FastifyRequest) => `${request.protocol}://${request.host}${SCIM_BASE_PATH}`;

const send = (reply: FastifyReply, status: number, body: unknown) =>
  reply.status(status).type(SCIM_MEDIA_TYPE).send(body);

function listResponse(resources: Json[], total: number, startIndex: number) {
  return {
    schemas: [LIST_SCHEMA],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

/** An id in the path: anything but a UUID names no resource, and is a 404 without a query. */
function idOf(request: FastifyRequest, what: 'User' | 'Group'): string {
  const { id } = request.params as { id: string };
  if (!UUID.test(id)) throw scimNotFound(what, id);
  return id.toLowerCase();
}

/** A PUT body's id, when it sends one, is the resource's own. */
function refuseOtherId(body: unknown, id: string): void {
  const sent = isObject(body) ? field(body, 'id') : undefined;
  if (sent !== undefined && sent !== null && String(sent).toLowerCase() !== id) {
    throw mutability("id is set by Tessera and never changes; the id in the body is not this resource's.");
  }
}

/** The SCIM 2.0 API (RFC 7643, 7644): people as Users, teams as Groups. docs/SCIM.md. */
export async function scimRoutes(app: App, services: ScimServices): Promise<void> {
  await app.register(
    async (scim) => {
      // SCIM clients send application/scim+json, and some application/json: both are JSON, up to the
      // larger limit. An empty body is no body, as for the rest of the API.
      const parseJson = scim.getDefaultJsonParser('error', 'error');
      scim.removeContentTypeParser('application/json');
      for (const type of ['application/json', 'application/scim+json']) {
        scim.addContentTypeParser(
          type,
          { parseAs: 'string', bodyLimit: SCIM_BODY_LIMIT },
          (request, body, done) => {
            const text = body as string;
            if (text.length === 0) return done(null, undefined);
            parseJson(request, text, done);
          },
        );
      }

      // The authentication hook has run (src/auth): a token authenticated, or the request was refused.
      scim.addHook('onRequest', (request, _reply, done) => {
        if (!request.routeOptions.url) return done();
        const caller = request.caller;
        if (caller?.principal.via !== 'token' || !(isScimToken(caller) || isAdmin(caller))) {
          return done(
            new ScimError(
              403,
              undefined,
              "SCIM is called with a token carrying the scope `scim` or an Admin's `api` token, as a bearer token.",
            ),
          );
        }
        done();
      });

      scim.setErrorHandler((error, request, reply) => {
        const scimError = toScimError(error);
        if (!scimError) {
          request.log.error({ err: error }, 'request failed');
          return send(reply, 500, {
            schemas: [ERROR_SCHEMA],
            status: '500',
            detail: 'Something went wrong on our side; it has been logged.',
          });
        }
        const failure = databaseFailure(error);
        if (failure === 'unavailable') services.outage.failed(error, request.log);
        else if (failure) request.log.error({ err: error }, scimError.message);
        return reply
          .status(scimError.status)
          .headers(scimError.headers)
          .type(SCIM_MEDIA_TYPE)
          .send(scimErrorBody(scimError));
      });

      scim.setNotFoundHandler((request, reply) =>
        send(reply, 404, {
          schemas: [ERROR_SCHEMA],
          status: '404',
          detail: `${request.method} ${request.url.split('?')[0]!.slice(0, 200)} is not part of Tessera's SCIM API.`,
        }),
      );

      const route = { schema: { hide: true }, bodyLimit: SCIM_BODY_LIMIT } as const;
      const caller = callerOf;

      scim.get('/ServiceProviderConfig', route, async (request, reply) =>
        send(reply, 200, serviceProviderConfig(baseOf(request))),
      );
      scim.get('/ResourceTypes', route, async (request, reply) => {
        const types = resourceTypes(baseOf(request));
        return send(reply, 200, listResponse(types, types.length, 1));
      });
      scim.get('/ResourceTypes/:id', route, async (request, reply) => {
        const { id } = request.params as { id: string };
        const found = resourceTypes(baseOf(request)).find(
          (type) => type.id.toLowerCase() === id.toLowerCase(),
        );
        if (!found) throw scimNotFound('ResourceType', id);
        return send(reply, 200, found);
      });
      scim.get('/Schemas', route, async (request, reply) => {
        const schemas = schemaResources(baseOf(request));
        return send(reply, 200, listResponse(schemas, schemas.length, 1));
      });
      scim.get('/Schemas/:id', route, async (request, reply) => {
        const { id } = request.params as { id: string };
        const found = schemaResources(baseOf(request)).find(
          (schema) => schema.id.toLowerCase() === id.toLowerCase(),
        );
        if (!found) throw scimNotFound('Schema', id);
        return send(reply, 200, found);
      });

      // Users: people.

      const userAnswer = async (request: FastifyRequest, reply: FastifyReply, id: string, status: number) => {
        const row = await findPerson(services.db, id);
        if (!row) throw scimNotFound('User', id);
        const base = baseOf(request);
        if (status === 201) reply.header('location', userLocation(base, id));
        return send(reply, status, project(userResource(row, base), projectionOf(request, 'User')));
      };

      scim.get('/Users', route, async (request, reply) => {
        const page = pageOf(request);
        const projection = projectionOf(request, 'User');
        const filter = param(request, 'filter');
        const where = filter
          ? filterCondition('User', parseFilter(filter), USER_COLUMNS)
          : sql<boolean>`true`;
        const { total, rows } = await listPeople(services.db, where, page);
        const base = baseOf(request);
        const resources = rows.map((row) => project(userResource(row, base), projection));
        return send(reply, 200, listResponse(resources, total, page.startIndex));
      });

      scim.get('/Users/:id', route, async (request, reply) =>
        userAnswer(request, reply, idOf(request, 'User'), 200),
      );

      scim.post('/Users', route, async (request, reply) => {
        const person = personFromResource(request.body, undefined);
        const id = await services.accounts.provision(caller(request), person);
        return userAnswer(request, reply, id, 201);
      });

      scim.put('/Users/:id', route, async (request, reply) => {
        const id = idOf(request, 'User');
        refuseOtherId(request.body, id);
        personFromResource(request.body, undefined);
        await services.accounts.reprovision(caller(request), id, (current) =>
          personFromResource(request.body, current),
        );
        return userAnswer(request, reply, id, 200);
      });

      scim.patch('/Users/:id', route, async (request, reply) => {
        const id = idOf(request, 'User');
        const operations = readOperations('User', request.body);
        await services.accounts.reprovision(caller(request), id, (current) =>
          personFromResource(patchUser(userDocument(id, current), operations), current),
        );
        return userAnswer(request, reply, id, 200);
      });

      scim.delete('/Users/:id', route, async (request, reply) => {
        await services.accounts.deprovision(caller(request), idOf(request, 'User'));
        return reply.status(204).send();
      });

      // Groups: teams.

      const groupAnswer = async (
        request: FastifyRequest,
        reply: FastifyReply,
        id: string,
        status: number,
      ) => {
        const row = await findTeam(services.db, id);
        if (!row) throw scimNotFound('Group', id);
        const projection = projectionOf(request, 'Group');
        const members = includes(projection, 'members')
          ? (await membersOf(services.db, [id])).get(id)
          : undefined;
        const base = baseOf(request);
        if (status === 201) reply.header('location', groupLocation(base, id));
        return send(reply, status, project(groupResource(row, members, base), projection));
      };

      scim.get('/Groups', route, async (request, reply) => {
        const page = pageOf(request);
        const projection = projectionOf(request, 'Group');
        const filter = param(request, 'filter');
        const where = filter
          ? filterCondition('Group', parseFilter(filter), GROUP_COLUMNS)
          : sql<boolean>`true`;
        const { total, rows } = await listTeams(services.db, where, page);
        const members = includes(projection, 'members')
          ? await membersOf(
              services.db,
              rows.map((row) => row.id),
            )
          : undefined;
        const base = baseOf(request);
        const resources = rows.map((row) =>
          project(groupResource(row, members?.get(row.id), base), projection),
        );
        return send(reply, 200, listResponse(resources, total, page.startIndex));
      });

      scim.get('/Groups/:id', route, async (request, reply) =>
        groupAnswer(request, reply, idOf(request, 'Group'), 200),
      );

      scim.post('/Groups', route, async (request, reply) => {
        const input = groupFromResource(request.body);
        const id = await services.teams.provision(caller(request), {
          name: input.name,
          external_id: input.external_id,
          member_ids: input.member_ids ?? [],
        });
        return groupAnswer(request, reply, id, 201);
      });

      scim.put('/Groups/:id', route, async (request, reply) => {
        const id = idOf(request, 'Group');
        refuseOtherId(request.body, id);
        const input = groupFromResource(request.body);
        await services.teams.reprovision(caller(request), id, () => ({
          name: input.name,
          external_id: input.external_id,
          // Without `members` a replace leaves them: emptying a team takes "members": [].
          members: input.member_ids === undefined ? [] : [{ op: 'replace', ids: input.member_ids }],
        }));
        return groupAnswer(request, reply, id, 200);
      });

      scim.patch('/Groups/:id', route, async (request, reply) => {
        const id = idOf(request, 'Group');
        const operations = readOperations('Group', request.body);
        await services.teams.reprovision(caller(request), id, (current) => groupChange(current, operations));
        // Providers expect no body (a team's members can be many), unless they ask for attributes.
        const asked =
          param(request, 'attributes') !== undefined || param(request, 'excludedAttributes') !== undefined;
        if (asked) return groupAnswer(request, reply, id, 200);
        return reply.status(204).send();
      });

      scim.delete('/Groups/:id', route, async (request, reply) => {
        await services.teams.deprovision(caller(request), idOf(request, 'Group'));
        return reply.status(204).send();
      });
    },
    { prefix: SCIM_BASE_PATH },
  );
}
