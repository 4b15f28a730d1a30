import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type CookieSettings,
  clearSessionCookie,
  type SessionService,
  setSessionCookie,
} from '../auth/index.ts';
import { SSO_ERROR_PATH, type SsoRefusal } from '../core/sign-in-methods.ts';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import { SIGN_IN_TTL_MS, SsoRefused, type SsoService } from './service.ts';

/** Ties a sign-in to the browser that began it; sent only to the two routes below that read it. */
const BROWSER_COOKIE = 'tessera_sso';
const OIDC_PATH = '/api/auth/oidc';

export interface SsoRouteSettings extends CookieSettings {
  /** TESSERA_PUBLIC_URL: https there means the browser cookie is Secure whatever the proxy says. */
  publicUrl: string | undefined;
}

const SignInMethods = z
  .object({
    password: z.boolean().describe('Whether the password form is offered (`TESSERA_PASSWORD_SIGN_IN`).'),
    sso: z
      .object({
        label: z.string().describe('The button’s label (`TESSERA_OIDC_BUTTON`).'),
        start_url: z
          .string()
          .describe('Where the button goes; add `?next=<console path>` to come back to it.'),
      })
      .nullable()
      .describe('Single sign-on, when configured.'),
  })
  .meta({ id: 'SignInMethods' });

export function ssoRoutes(
  app: App,
  services: { sessions: SessionService; sso: SsoService | undefined },
  settings: SsoRouteSettings,
): void {
  const { sso, sessions } = services;

  app.get(
    '/api/auth/methods',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Session'],
        summary: 'How to sign in',
        description: 'What the sign-in page offers; asked before anyone is signed in.',
        response: { 200: SignInMethods },
      },
    },
    async () => ({
      password: sessions.passwordSignIn,
      sso: sso ? { label: sso.buttonLabel, start_url: `${OIDC_PATH}/start` } : null,
    }),
  );

  app.post(
    `${OIDC_PATH}/logout`,
    {
      schema: {
        tags: ['Session'],
        summary: 'Sign out, and out of the identity provider',
        description:
          'Ends the console session as `POST /api/auth/logout` does. For a session opened through single ' +
          'sign-on whose provider offers RP-initiated logout, `end_session_url` is where to send the browser ' +
          'next, to end the provider’s session too; it comes back to `/sign-in`. Otherwise null.',
        response: {
          200: z.object({ end_session_url: z.string().nullable() }),
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const session = caller.principal.session;
      const url = session && sso ? await sso.endSessionUrl(session.idHash) : undefined;
      await sessions.signOut(caller);
      clearSessionCookie(reply, request, settings);
      return reply.header('cache-control', 'no-store').send({ end_session_url: url ?? null });
    },
  );

  if (!sso) return;

  const browserCookie = (reply: FastifyReply, value: string) =>
    reply.setCookie(BROWSER_COOKIE, value, {
      path: OIDC_PATH,
      httpOnly: true,
      // Lax, not Strict: the provider's redirect back is a cross-site navigation, which must carry it.
      sameSite: 'lax',
      secure: settings.cookieSecure ?? settings.publicUrl?.startsWith('https:') ?? false,
      maxAge: SIGN_IN_TTL_MS / 1000,
    });

  app.get(
    `${OIDC_PATH}/start`,
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Session'],
        summary: 'Sign in through the identity provider',
        description:
          'Redirects the browser to the OpenID provider (authorization code flow with PKCE, state and nonce). ' +
          '`next` is the console path to come back to.',
        // Any `next` is taken; one that is not a path on this server becomes `/` (never a 400 for a link).
        querystring: z.object({ next: z.string().optional() }),
        response: { 302: z.null(), 303: z.null(), 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const attempts = app.authentication.attempts;
      if (
        attempts.blocked('sign_in_address', request.ip) ??
        attempts.blocked('sso_start_address', request.ip)
      ) {
        const refused: SsoRefusal = 'rate_limited';
        return reply.header('cache-control', 'no-store').redirect(`${SSO_ERROR_PATH}?reason=${refused}`, 303);
      }
      attempts.fail('sso_start_address', request.ip);
      const begun = await sso.begin(request.query.next, request.cookies[BROWSER_COOKIE]);
      browserCookie(reply, begun.browserSecret);
      return reply.header('cache-control', 'no-store').redirect(begun.url, 302);
    },
  );

  app.get(
    `${OIDC_PATH}/callback`,
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Session'],
        summary: 'The identity provider’s redirect back (the redirect URI)',
        description:
          'Checks the answer and opens a console session, then redirects to the console. A refusal redirects ' +
          `to \`${SSO_ERROR_PATH}?reason=…\`, the console's page that explains it; it is never an error status.`,
        response: { 303: z.null() },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const refused = (reason: SsoRefusal) => reply.redirect(`${SSO_ERROR_PATH}?reason=${reason}`, 303);
      const attempts = app.authentication.attempts;
      if (attempts.blocked('sign_in_address', request.ip)) return refused('rate_limited');
      try {
        const done = await sso.finish(queryOf(request), request.cookies[BROWSER_COOKIE], {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if (done.unknownTeams.length > 0) {
          request.log.warn(
            { teams: done.unknownTeams },
            'TESSERA_OIDC_GROUP_MAPPING names teams that do not exist; they were left out',
          );
        }
        setSessionCookie(reply, request, done.signedIn, settings);
        return reply.redirect(done.returnTo, 303);
      } catch (error) {
        if (!(error instanceof SsoRefused)) throw error;
        attempts.fail('sign_in_address', request.ip);
        request.log.info({ reason: error.reason, detail: error.message }, 'single sign-on refused');
        return refused(error.reason);
      }
    },
  );
}

function queryOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1));
}
