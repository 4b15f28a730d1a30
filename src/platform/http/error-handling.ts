import { STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type DatabaseFailure, databaseFailure } from '../database-errors.ts';
import { AppError } from '../errors.ts';
import type { DatabaseOutage } from '../outage.ts';

const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Send the body as application/json.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    message: 'The request body is too large.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The body is empty; send a JSON object, or no Content-Type header.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The body is not valid JSON.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_request',
    message: 'Content-Length does not match the body.',
  },
  FST_ERR_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    message: 'The request headers are too large.',
  },
};

/** How long a client is told to wait before retrying during an outage: short, as most are brief. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** A database that cannot serve is the operator's to fix and the caller's to retry: never a 500. */
const DATABASE_FAILURES: Record<
  DatabaseFailure,
  { status: number; code: string; message: string; headers?: Record<string, string> }
> = {
  unavailable: {
    status: 503,
    code: 'service_unavailable',
    message: 'The database is not answering; try again shortly.',
    headers: { 'retry-after': String(OUTAGE_RETRY_AFTER_SECONDS) },
  },
  storage_full: {
    status: 507,
    code: 'storage_full',
    message: 'The database has run out of storage space, so the change was not saved.',
  },
};

interface ZodIssueLike {
  instancePath: string;
  message: string;
  keyword: string;
  params: { keys?: string[] };
}

/**
 * Headers a failed reply had set that Node refuses to write. A route's headers stay on its error reply
 * (Retry-After, WWW-Authenticate); one Node refuses — an invalid character in a value — would make the
 * error reply fail the same way, and Fastify would then answer in its own shape instead of this one.
 */
function dropUnwritableHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    try {
      validateHeaderName(name);
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined) validateHeaderValue(name, String(item));
      }
    } catch {
      reply.removeHeader(name);
    }
  }
}

/**
 * One error shape everywhere: `{ code, message, details? }`; bad input is a 4xx naming the field. A
 * database outage is reported to `outage`, which logs its start and end once each.
 */
export function registerErrorHandling(app: FastifyInstance, outage?: DatabaseOutage): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    dropUnwritableHeaders(reply);
    if (error instanceof AppError) {
      return reply
        .status(error.status)
        .headers(error.headers)
        .send({
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = (error.validation as unknown as ZodIssueLike[]).map((issue) => {
        const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
        const field =
          issue.keyword === 'unrecognized_keys' && issue.params.keys?.length
            ? [path, issue.params.keys[0]].filter(Boolean).join('.')
            : path || (error.validationContext ?? 'body');
        return { field, message: issue.message };
      });
      const first = issues[0]!;
      return reply.status(400).send({
        code: 'invalid_request',
        message: `${first.field}: ${first.message}`,
        details: { field: first.field, in: error.validationContext, issues },
      });
    }
    const known = error.code ? CLIENT_ERRORS[error.code] : undefined;
    if (known) return reply.status(known.status).send({ code: known.code, message: known.message });
    if (error.statusCode === 429) {
      return reply.status(429).send({ code: 'rate_limited', message: error.message });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ code: 'invalid_request', message: error.message });
    }
    const failure = databaseFailure(error);
    if (failure) {
      const answer = DATABASE_FAILURES[failure];
      if (failure === 'unavailable' && outage) outage.failed(error, request.log);
      // Without a tracker (and for a full disk, which each refused write is news of) every one is logged.
      else request.log.error({ err: error }, answer.message);
      return reply
        .status(answer.status)
        .headers(answer.headers ?? {})
        .send({ code: answer.code, message: answer.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .status(500)
      .send({ code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' });
  });
}

/** Errors Fastify's router raises before any route (and so before the error handler) runs. */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'path: A path segment is too long.'
      : 'path: The URL is not valid (check its percent-encoding).';
  reply.status(400).send({ code: 'invalid_request', message, details: { field: 'path', in: 'path' } });
}

const SOCKET_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    message: 'The request headers are too large.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request_timeout',
    message: 'The request took too long to arrive.',
  },
};

/**
 * Errors Node's HTTP parser raises on the socket (headers over maxHeaderSize, a malformed request line),
 * answered in the API's error shape before the connection is closed.
 */
export function clientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = (error.code && SOCKET_ERRORS[error.code]) || {
    status: 400,
    code: 'invalid_request',
    message: 'The request could not be parsed as HTTP.',
  };
  const body = JSON.stringify({ code: known.code, message: known.message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Why a string cannot be stored as text: PostgreSQL text holds no NUL, UTF-8 no lone surrogate. */
function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'Must not contain the NUL character.';
  if (!text.isWellFormed()) return 'Must be valid Unicode text (it holds half of a surrogate pair).';
  return undefined;
}

const printable = (key: string) =>
  key.replaceAll('\u0000', '\\0').replace(/\p{Surrogate}/gu, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

/**
 * How deeply a body may nest objects and arrays. No Tessera request needs more than 2 levels (an object
 * holding `team_ids`); the limit leaves room for clients that wrap, and refuses what only an attack sends.
 */
export const MAX_NESTING = 32;

export interface Unacceptable {
  /** Dotted path of the string or key; for nesting, the top-level field it is under. */
  path: string;
  problem: string;
  /** Set when the problem is nesting deeper than MAX_NESTING. */
  maxNesting?: number;
}

interface Level {
  readonly object: Readonly<Record<string, unknown>>;
  // Keys and lookups rather than Object.entries: no pair allocated per key (measured: flat bodies cost the
  // same as the recursive walk did, bodies with an array less).
  readonly keys: string[];
  next: number;
  readonly path: string;
  /** The top-level field this level is under ('' at the top, and under a top-level array). */
  readonly field: string;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * The dotted path of the first string (or key) in `value` that cannot be stored as text, and why; or the
 * field under which `value` nests deeper than MAX_NESTING. A walk with its own stack, not recursion: a
 * 16 KB body can nest 8,000 levels, which overflowed the call stack as a 500. The cap then keeps whatever
 * runs after the guard (validation, error serialization) from meeting deep input at all.
 */
export function findUnstorableText(value: unknown): Unacceptable | undefined {
  if (typeof value === 'string') {
    const problem = unstorable(value);
    return problem ? { path: '', problem } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const topIsArray = Array.isArray(value);
  const levels: Level[] = [
    { object: value as Level['object'], keys: Object.keys(value), next: 0, path: '', field: '' },
  ];
  while (levels.length > 0) {
    const level = levels[levels.length - 1]!;
    if (level.next === level.keys.length) {
      levels.pop();
      continue;
    }
    const key = level.keys[level.next++]!;
    const item = level.object[key];
    const keyProblem = unstorable(key);
    if (keyProblem) return { path: join(level.path, printable(key)), problem: keyProblem };
    if (typeof item === 'string') {
      const problem = unstorable(item);
      if (problem) return { path: join(level.path, key), problem };
    } else if (item !== null && typeof item === 'object') {
      const field = levels.length === 1 ? (topIsArray ? '' : key) : level.field;
      if (levels.length === MAX_NESTING) {
        return {
          path: field,
          problem: `Nested deeper than ${MAX_NESTING} levels of objects and arrays, the limit.`,
          maxNesting: MAX_NESTING,
        };
      }
      levels.push({
        object: item as Level['object'],
        keys: Object.keys(item),
        next: 0,
        path: join(level.path, key),
        field,
      });
    }
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold NUL, and neither UTF-8 nor jsonb a lone surrogate (which a JSON body's
 * `\udfff` escape puts in a JavaScript string): either would fail deep in a query as a 500. Refused up
 * front instead, as invalid input naming the field.
 */
export function registerTextGuard(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, and an async hook costs each of them a
  // promise and a turn of the microtask queue.
  app.addHook('preValidation', (request, _reply, done) => {
    done(
      unstorableIn('params', request.params) ??
        unstorableIn('querystring', request.query) ??
        unstorableIn('body', request.body),
    );
  });
}

function unstorableIn(where: 'params' | 'querystring' | 'body', value: unknown): AppError | undefined {
  const found = findUnstorableText(value);
  if (!found) return undefined;
  const name = found.path || where;
  return new AppError(400, 'invalid_request', `${name}: ${found.problem}`, {
    field: name,
    in: where,
    ...(found.maxNesting ? { max_nesting: found.maxNesting } : {}),
  });
}
