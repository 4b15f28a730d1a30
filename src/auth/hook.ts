import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { span, tracingOn } from '../platform/tracing.ts';
import type { AttemptLimiter } from './attempt-limiter.ts';
import { bearerSecret, type MaybePromise, requestOrigin } from './credentials.ts';
import { type AuthServices, apiAdmission, RequestAuthenticator } from './request-authenticator.ts';
import { setTokenExpiration } from './token-expiration.ts';
import type { RequestOrigin, Verification } from './verification/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The token's verification, when a token authenticated the request; null for a session. */
    verification: Verification | null;
  }
  interface FastifyInstance {
    /** Credentials under the brute-force limits (this process's memory). */
    authentication: RequestAuthenticator;
  }
  interface FastifyContextConfig {
    /** `public`: the route authenticates nobody (or does it itself). Default: a session or a token. */
    auth?: 'public';
  }
}

export function registerAuthentication(
  app: FastifyInstance,
  services: AuthServices,
  attempts: AttemptLimiter,
): void {
  const authentication = new RequestAuthenticator(services, attempts);
  app.decorate('authentication', authentication);
  app.decorateRequest('caller', null);
  app.decorateRequest('verification', null);
  // A callback hook, not an async one: a token the cache knows is admitted without a promise or a
  // microtask turn, which lifted token requests from 0.66 to 0.77 of /healthz (docs/PERFORMANCE.md).
  app.addHook('onRequest', (request, reply, done) => {
    // No route matched: the not-found handler answers, and says nothing about what exists.
    // One read: Fastify builds a new routeOptions object on every access.
    const route = request.routeOptions;
    if (!route.url || route.config.auth === 'public') return done();
    const origin = requestOrigin(request);
    const header = request.headers.authorization;
    if (header === undefined) {
      authentication.session(request, reply).then((principal) => {
        request.caller = { principal, ip: origin.ip, userAgent: origin.userAgent };
        done();
      }, done);
      return;
    }
    let outcome: MaybePromise<Verification>;
    try {
      const secret = bearerSecret(header);
      if (!secret) throw authentication.malformedHeader(request);
      outcome = tracingOn()
        ? span('tessera.authenticate', () =>
            authentication.verifyToken(request, secret, apiAdmission, origin),
          )
        : authentication.verifyToken(request, secret, apiAdmission, origin);
    } catch (error) {
      return done(error as Error);
    }
    if (outcome instanceof Promise) {
      outcome.then((verification) => {
        admit(request, reply, origin, verification);
        done();
      }, done);
    } else {
      admit(request, reply, origin, outcome);
      done();
    }
  });
}

function admit(
  request: FastifyRequest,
  reply: FastifyReply,
  origin: RequestOrigin,
  verification: Verification,
): void {
  request.caller = { principal: verification.principal, ip: origin.ip, userAgent: origin.userAgent };
  request.verification = verification;
  // Set now, so that every answer the token authenticated carries it, a refusal by the route included.
  setTokenExpiration(reply, verification);
}
