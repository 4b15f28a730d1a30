/** The exit statuses of the client commands, as docs/CLI.md lists them. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** Not signed in, the token refused (401), or the caller not allowed (403). */
  denied: 4,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** A failure said in one line on standard error, without a stack, then the process exits with `exitStatus`. */
export class CliError extends Error {
  readonly exitStatus: ExitStatus;
  readonly code: string | undefined;

  constructor(message: string, exitStatus: ExitStatus = EXIT.error, code?: string) {
    super(message);
    this.exitStatus = exitStatus;
    this.code = code;
  }
}

/** The server said no: its status, and the `code` and `message` of its error body. */
export class ApiError extends CliError {
  readonly status: number;

  constructor(status: number, code: string, message: string) {
    super(message, status === 401 || status === 403 ? EXIT.denied : EXIT.error, code);
    this.status = status;
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
