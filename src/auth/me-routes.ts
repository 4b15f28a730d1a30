import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ROLES } from '../core/roles.ts';
import type { Principal } from '../platform/caller.ts';
import type { Clock } from '../platform/clock.ts';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, TeamRef } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import {
  Owner,
  Token,
  type TokenUse,
  type TokenView,
  type TokenWithOwner,
  tokenUse,
  tokenView,
} from '../tokens/index.ts';
import type { Verification } from './verification/index.ts';

export const Me = z
  .object({
    account: Owner.extend({ role: z.enum(ROLES), teams: z.array(TeamRef) }),
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

/**
 * The answer to an active token, serialized, without its last use: `head + last use + tail`. Null where
 * the answer could not be split: it then goes through the schema each time.
 */
interface Answer {
  head: string;
  tail: string;
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

/** The verified token's row in the shape the token views take. */
function tokenRowOf({ token, account }: Verification): TokenWithOwner {
  return {
    ...token,
    owner_kind: account.kind,
    owner_name: account.name,
    owner_email: account.email,
    owner_internal_id: account.internal_id,
    owner_avatar_url: account.avatar_url,
    owner_deactivated_at: account.deactivated_at,
  };
}

export function meRoutes(app: App, deps: { clock: Clock }): void {
  // A token's verification is shared by every request its cache entry serves, and nothing in the answer
  // but the token's status and last use can change while it lives (any change drops it). So `GET
  // /api/me`, called on every request by some clients, serializes the rest once per verification: about
  // 6 µs of a 60 µs request (docs/PERFORMANCE.md).
  const answers = new WeakMap<Verification, Answer | null>();
  const asked = new WeakSet<Verification>();
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
      const { principal } = callerOf(request);
      const verification = request.verification;
      reply.header('cache-control', 'no-store');
      const now = deps.clock.now();
      if (verification) {
        const use = tokenUse(verification.token, now, verification.pendingUse);
        if (use.status === 'active') {
          let answer = answers.get(verification);
          // Kept from a verification's second answer on: a token that asks once (a script's start,
          // every token of a burst) holds no second copy of itself, ~1.3 KB, in memory.
          if (answer === undefined && asked.has(verification)) {
            const view = tokenView(tokenRowOf(verification), now, verification.pendingUse);
            answer = prepareAnswer(reply, principal, view);
            answers.set(verification, answer);
          }
          asked.add(verification);
          if (answer) return sendSerialized(reply, answer.head + lastUseJson(use) + answer.tail);
        }
      }
      return {
        account: principal.account,
        via: principal.via,
        token: verification ? tokenView(tokenRowOf(verification), now, verification.pendingUse) : null,
        csrf_token: principal.session?.csrfToken ?? null,
      } satisfies MeBody;
    },
  );
}
