import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './credentials.ts';
import type { SignedIn } from './sessions.ts';

/** TESSERA_COOKIE_SECURE, or else Secure when the request came over HTTPS. */
export interface CookieSettings {
  cookieSecure: boolean | undefined;
}

const secure = (request: FastifyRequest, settings: CookieSettings) =>
  settings.cookieSecure ?? request.protocol === 'https';

/** The console session's cookie: httpOnly, SameSite=Strict, for the whole site, until the session ends. */
export function setSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  signedIn: SignedIn,
  settings: CookieSettings,
): void {
  reply.setCookie(SESSION_COOKIE, signedIn.cookieValue, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: secure(request, settings),
    expires: signedIn.expiresAt,
  });
}

export function clearSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  settings: CookieSettings,
): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: secure(request, settings),
  });
}
