import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../services/errors.ts';

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

interface ZodIssueLike {
  instancePath: string;
  message: string;
  keyword: string;
  params: { keys?: string[] };
}

/** One error shape everywhere: `{ code, message, details? }`; bad input is a 4xx naming the field. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
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
    request.log.error({ err: error }, 'request failed');
    return reply
      .status(500)
      .send({ code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' });
  });
}
