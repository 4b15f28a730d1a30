import type { FastifyRequest } from 'fastify';
import type { Caller } from '../caller.ts';
import { AppError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the authentication hook, null on public routes. */
    caller: Caller | null;
  }
}

/** The caller of a route that requires authentication (the hook has already refused anyone else). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new AppError(401, 'authentication_required', 'Sign in or send a token.');
  return request.caller;
}
