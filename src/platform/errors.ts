/** An error meant for the caller: its status, a stable `code`, a sentence, and details such as the field. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    details?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const invalidField = (field: string, message: string) =>
  new AppError(400, 'invalid_request', `${field}: ${message}`, { field });

export const forbidden = (message: string, code = 'forbidden') => new AppError(403, code, message);

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found.`);

/** 409: the value of `field` is someone else's already (a unique constraint said so). */
export const taken = (field: string, code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, code, `${field}: ${message}`, { field, ...details });

export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, code, message, details);

/** Tessera cannot start as it was asked to (a setting, a data directory in use): said without a stack. */
export class StartupError extends Error {}
