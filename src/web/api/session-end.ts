import { ApiError } from './client.ts';

/**
 * The answers that mean "nobody is signed in any more": the session was signed out in another tab, expired,
 * or its account deactivated. A wrong password at sign-in (`invalid_credentials`) is not one of them.
 */
const SESSION_END_CODES = new Set(['session_expired', 'authentication_required']);

export function endsSession(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && SESSION_END_CODES.has(error.code);
}
