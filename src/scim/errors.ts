import type { FastifyError } from 'fastify';
import { databaseFailure } from '../platform/database-errors.ts';
import { AppError } from '../platform/errors.ts';
import { ERROR_SCHEMA } from './schemas.ts';

/** RFC 7644 §3.12's `scimType`s Tessera answers with. */
export type ScimType =
  | 'invalidFilter'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'invalidValue'
  | 'noTarget'
  | 'mutability'
  | 'uniqueness'
  | 'tooMany';

/** An error in SCIM's own shape (RFC 7644 §3.12): the status, a `scimType` for most 400s, a sentence. */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    scimType: ScimType | undefined,
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.status = status;
    this.scimType = scimType;
    this.headers = headers;
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);
export const scimNotFound = (what: 'User' | 'Group' | 'ResourceType' | 'Schema', id: string) =>
  new ScimError(404, undefined, `No ${what} has the id ${JSON.stringify(id.slice(0, 200))}.`);

/** The scimType of the use cases' own errors, by their code; others keep their status alone. */
const SCIM_TYPES: Record<string, ScimType> = {
  invalid_request: 'invalidValue',
  email_taken: 'uniqueness',
  team_exists: 'uniqueness',
  builtin_team: 'mutability',
};

/** Fastify's errors for a body it could not take, as SCIM says them. */
const BODY_ERRORS: Record<string, { status: number; scimType?: ScimType; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, detail: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    scimType: 'invalidSyntax',
    detail: 'The body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, scimType: 'invalidSyntax', detail: 'The body is empty.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    detail: 'Send the body as application/scim+json or application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    scimType: 'invalidSyntax',
    detail: 'Content-Length does not match the body.',
  },
};

/**
 * Any error raised while serving a SCIM request, in SCIM's shape: the use cases' (a 409 for a taken
 * email is `uniqueness`), authentication's (401 and 429 keep their headers), Fastify's, and a database
 * outage (503). Undefined for an error nobody expected, which the caller logs and answers 500.
 */
export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  if (error instanceof AppError) {
    const scimType = error.status === 400 || error.status === 409 ? SCIM_TYPES[error.code] : undefined;
    return new ScimError(error.status, scimType, error.message, error.headers);
  }
  const fastify = error as Partial<FastifyError>;
  const known = fastify.code ? BODY_ERRORS[fastify.code] : undefined;
  if (known) return new ScimError(known.status, known.scimType, known.detail);
  const failure = databaseFailure(error);
  if (failure === 'unavailable') {
    return new ScimError(503, undefined, 'The database is not answering; try again shortly.', {
      'retry-after': '5',
    });
  }
  if (failure === 'storage_full') {
    return new ScimError(507, undefined, 'The database has run out of storage space; nothing was changed.');
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new ScimError(fastify.statusCode, undefined, fastify.message ?? 'The request was refused.');
  }
  return undefined;
}

export function scimErrorBody(error: ScimError) {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.message,
  };
}
