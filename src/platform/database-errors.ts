import type { AppError } from './errors.ts';
/** `conflict` when `error` is a unique violation of `constraint`, else `error` itself: for `throw`. */
export function asConflict(error: unknown, constraint: string, conflict: () => AppError): unknown {
  return isUniqueViolation(error, constraint) ? conflict() : error;
}

/** PostgreSQL's unique_violation (23505), optionally on one constraint or index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const {
    code,
    constraint: name,
    message,
  } = error as { code?: string; constraint?: string; message?: string };
  if (code !== '23505') return false;
  if (!constraint) return true;
  return name === constraint || (message ?? '').includes(constraint);
}

/** Why the database could not serve a query, when the fault is the database's and not the request's. */
export type DatabaseFailure = 'unavailable' | 'storage_full';

/** Node's socket errors for a server that cannot be reached. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * What the `pg` driver throws, without a code, when a connection cannot be had or stops answering: the
 * pool's and the client's connect timeouts, the client-side query timeout, a dropped connection.
 */
const DRIVER_GAVE_UP =
  /^(timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|timeout expired)/;

/**
 * Classifies an error raised by a database call. SQLSTATE 53100 (disk_full, which PostgreSQL and PGlite
 * report for ENOSPC) is storage; connection exceptions (08), the rest of insufficient resources (53: out
 * of memory, too many connections), operator intervention (57: statement timeout, shutdown, starting
 * up), system errors (58), the idle-in-transaction timeout (25P03) and the driver's timeouts are the
 * database being unavailable. Anything else (constraint violations, bugs) is not a database outage.
 */
export function databaseFailure(error: unknown): DatabaseFailure | undefined {
  // The pool wraps a connect timeout around its cause; a few levels are plenty.
  let current = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string') {
      if (code === '53100' || code === 'ENOSPC') return 'storage_full';
      if (/^(08|53|57|58)/.test(code) || code === '25P03' || UNREACHABLE.has(code)) return 'unavailable';
    }
    if (typeof message === 'string') {
      if (message.includes('No space left on device')) return 'storage_full';
      if (DRIVER_GAVE_UP.test(message)) return 'unavailable';
    }
    current = cause;
  }
  return undefined;
}
