import { z } from 'zod';
import { AppError } from '../platform/errors.ts';
import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import { emailKey } from './attempt-limiter.ts';
import { assertSameOrigin, requestOrigin } from './credentials.ts';
import { type CookieSettings, clearSessionCookie, setSessionCookie } from './session-cookie.ts';
import type { SessionService, SignedIn } from './sessions.ts';

/** Failures that count against the brute-force limits. */
const FAILED_SIGN_IN = new Set(['invalid_credentials', 'password_sign_in_off']);

const SignInBody = z.strictObject({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1000),
});

export function sessionRoutes(
  app: App,
  services: { sessions: SessionService },
  config: CookieSettings,
): void {
  app.post(
    '/api/auth/login',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Session'],
        summary: 'Sign in to the console',
        description:
          'Sets an httpOnly, SameSite=Strict session cookie and returns the CSRF token that state-changing ' +
          'requests made with the cookie must send as `X-CSRF-Token`. Failed sign-ins are limited per ' +
          'address and per email (429 with `Retry-After`). With `TESSERA_PASSWORD_SIGN_IN=0` it answers 401 ' +
          '`password_sign_in_off`, except for a password from `tessera reset-password` in the hour after it.',
        body: SignInBody,
        response: {
          200: z.object({ csrf_token: z.string(), expires_at: z.string() }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      assertSameOrigin(request);
      // Checked before the password hash is computed: a blocked guesser costs no argon2 time either.
      const email = emailKey(request.body.email);
      const blocked =
        app.authentication.attempts.blocked('sign_in_address', request.ip) ??
        app.authentication.attempts.blocked('sign_in_email', email);
      if (blocked) throw app.authentication.rateLimited(request, blocked);
      let signedIn: SignedIn;
      try {
        signedIn = await services.sessions.signIn(
          request.body.email,
          request.body.password,
          requestOrigin(request),
        );
      } catch (error) {
        if (error instanceof AppError && FAILED_SIGN_IN.has(error.code)) {
          app.authentication.attempts.fail('sign_in_address', request.ip);
          app.authentication.attempts.fail('sign_in_email', email);
        }
        throw error;
      }
      setSessionCookie(reply, request, signedIn, config);
      return reply
        .header('cache-control', 'no-store')
        .send({ csrf_token: signedIn.csrfToken, expires_at: signedIn.expiresAt.toISOString() });
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['Session'],
        summary: 'Sign out',
        response: { 204: z.null(), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      await services.sessions.signOut(callerOf(request));
      clearSessionCookie(reply, request, config);
      return reply.status(204).send(null);
    },
  );
}
