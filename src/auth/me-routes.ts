import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ROLES } from '../core/roles.ts';
import type { Caller, Principal } from '../platform/caller.ts';
import { ErrorBody, Owner, Team, Token } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import type { Services } from '../services.ts';
import type { TokenUse, TokenView } from '../tokens/views.ts';
import { callerOf } from './hook.ts';
import { answersOf } from './verification/authenticator.ts';

export const Me = z
  .object({
    account: Owner.extend({ role: z.enum(ROLES), teams: z.array(Team) }),
    via: z.enum(['session', 'token']),
    token: Token.nullable().describe('The token that authenticated this request, if one did.'),
    csrf_token: z.string().nullable().describe('For a session: send it as X-CSRF-Token on changes.'),
  })
  .meta({ id: 'Me' });

type MeBody = z.input<typeof Me>;

const JSON_TYPE = 'application/json; charset=utf-8';

/** The last use, as it stands in the serialized token between `revoked_reason` and `hint`. */
const lastUseJson = (use: Pick<TokenUse, 'last_used_at' | 'last_used_ip' | 'last_used_user_agent'>) =>
  `"last_used_at":${JSON.stringify(use.last_used_at)},"last_used_ip":${JSON.stringify(use.last_used_ip)},` +
  `"last_used_user_agent":${JSON.stringify(use.last_used_user_agent)}`;
const NO_USE = lastUseJson({ last_used_at: null, last_used_ip: null, last_used_user_agent: null });

/** The answer to an active token, serialized, without its last use: `head + last use + tail`. */
interface Answer {
  head: string;
  tail: string;
}

declare module './verification/cache.ts' {
  interface VerificationAnswers {
    /** Null: this principal's answer could not be split, so it goes through the schema each time. */
    me?: Answer | null;
  }
}

/**
 * Serialize through the route's schema once and split where the last use goes. A raw
 * `"last_used_at":null,…` can only be that key (inside a string value its quotes would be escaped), so
 * the split is refused (null) unless it is found exactly once.
 */
function prepareAnswer(reply: FastifyReply, principal: Principal, view: TokenView): Answer | null {
  const body: MeBody = {
    account: principal.account,
    via: 'token',
    token: { ...view, status: 'active', last_used_at: null, last_used_ip: null, last_used_user_agent: null },
    csrf_token: null,
  };
  const json = reply.serializeInput(body, '200');
  if (typeof json !== 'string') return null;
  const at = json.indexOf(NO_USE);
  if (at < 0 || json.indexOf(NO_USE, at + 1) >= 0) return null;
  return { head: json.slice(0, at), tail: json.slice(at + NO_USE.length) };
}

/** A body already serialized through the route's schema: Fastify sends a JSON string as it is. */
function sendSerialized(reply: FastifyReply, json: string): void {
  reply.type(JSON_TYPE).send(json);
}

/** The whole answer, through the route's schema: for a session, and for a token that is not active. */
function describe(services: Services, caller: Caller): MeBody {
  const { principal } = caller;
  return {
    account: principal.account,
    via: principal.via,
    token: services.tokens.describeVerified(caller) ?? null,
    csrf_token: principal.session?.csrfToken ?? null,
  };
}

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
    // Not async: the common answer, to a token the verification cache knows, is sent without a promise.
    (request, reply) => {
      const caller = callerOf(request);
      const { principal } = caller;
      reply.header('cache-control', 'no-store');
      const use = principal.token ? services.tokens.verifiedUse(caller) : undefined;
      // A token's principal is shared by every request its cache entry serves, and nothing in the answer
      // but the token's status and last use can change while it lives (any change drops it). So `GET
      // /api/me`, called on every request by some clients, serializes the rest once per cache entry.
      const answers = use?.status === 'active' ? answersOf(principal) : undefined;
      if (answers && use) {
        let answer = answers.me;
        if (answer === undefined) {
          const view = services.tokens.describeVerified(caller);
          answer = view ? prepareAnswer(reply, principal, view) : null;
          answers.me = answer;
        }
        if (answer) return sendSerialized(reply, answer.head + lastUseJson(use) + answer.tail);
      }
      return describe(services, caller);
    },
  );
}
