import type { FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.ts';
import type { RequestOrigin, TokenAuthentication } from './verification/index.ts';

export const SESSION_COOKIE = 'tessera_session';
export const CSRF_HEADER = 'x-csrf-token';

/** A value now, or a promise of it: a token the verification cache knows is checked without a promise. */
export type MaybePromise<T> = T | Promise<T>;

export function requestOrigin(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

/** `Authorization: Bearer <secret>`; anything else in the header is malformed. */
export function bearerSecret(header: string): string | undefined {
  // The usual header, `Bearer ` and printable ASCII, is cut without a regex (about 0.1 µs a request);
  // anything else gets the full rule. test/unit/bearer-secret.test.ts holds the two to the same answers.
  if (header.startsWith('Bearer ') && isPrintableAscii(header, 7)) return header.slice(7);
  return BEARER.exec(header)?.[1];
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/** At least one character from `from` on, and none of them a space, a control or a non-ASCII one. */
function isPrintableAscii(text: string, from: number): boolean {
  if (text.length <= from) return false;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return false;
  }
  return true;
}

function bearerChallenge(error?: string, description?: string): Record<string, string> {
  const parts = ['realm="tessera"'];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description.replace(/["\\]/g, '')}"`);
  return { 'www-authenticate': `Bearer ${parts.join(', ')}` };
}

/** An error with RFC 6750's `WWW-Authenticate: Bearer` challenge, naming the error when there is one. */
export function challenged(status: number, code: string, message: string, error?: string): AppError {
  return new AppError(status, code, message, undefined, bearerChallenge(error, error && message));
}

/** RFC 6750: 401 with `error="invalid_token"` for a token that fails, and the failure's code in the body. */
export function tokenFailure(result: Extract<TokenAuthentication, { ok: false }>): AppError {
  return challenged(401, result.code, result.description, 'invalid_token');
}

/**
 * RFC 6750 §3.1: 403 with `error="insufficient_scope"` and `scope` naming what the request needs; the body
 * names the scopes the token lacks (`details.scopes`).
 */
export function insufficientScope(needed: readonly string[]): AppError {
  const message = `This token lacks the scope${needed.length === 1 ? '' : 's'} ${needed.join(', ')}.`;
  const challenge = bearerChallenge('insufficient_scope', message);
  challenge['www-authenticate'] += `, scope="${needed.join(' ')}"`;
  return new AppError(403, 'insufficient_scope', message, { scopes: [...needed] }, challenge);
}

/**
 * A cross-site page cannot forge a state change: the browser's own Origin / Sec-Fetch-Site must say
 * same-origin when it sends them (every current browser does), and the CSRF token — which only
 * same-origin script can read, from sign-in or /api/me — must be in a header.
 */
export function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new AppError(403, 'csrf_failed', 'Cross-site request refused.');
  }
  // Hosts, not schemes: behind a TLS-terminating proxy the server sees http while the browser says https.
  const origin = request.headers.origin;
  if (origin && originHost(origin) !== request.host.toLowerCase()) {
    throw new AppError(403, 'csrf_failed', 'Cross-origin request refused.');
  }
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
