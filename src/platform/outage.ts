/** Where the outage tracker writes: a pino logger, or anything with its `warn`. */
export interface OutageLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

/**
 * Whether the database is out, as requests and queries find it: the error handler reports each request
 * the database failed, and every query that succeeds reports the database back. An outage is logged
 * twice — once when the first request fails, once when the first query after it succeeds — rather than
 * once per failed request, which during an outage under load would be thousands of identical stack
 * traces burying the one line the on-call engineer needs.
 */
export class DatabaseOutage {
  readonly #now: () => number;
  #since: number | undefined;
  #failed = 0;
  #logger: OutageLogger | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The database is out (from the first failure reported until a query succeeds). */
  get down(): boolean {
    return this.#since !== undefined;
  }

  /** A request failed because the database could not be reached: logged only when it starts an outage. */
  failed(error: unknown, logger: OutageLogger): void {
    this.#failed++;
    if (this.#since !== undefined) return;
    this.#since = this.#now();
    this.#logger = logger;
    logger.warn(
      { err: summary(error) },
      'database unavailable: requests that need it get 503 service_unavailable until it answers again',
    );
  }

  /** A query succeeded. Called for every query, so it costs one comparison when nothing is out. */
  answered(): void {
    if (this.#since === undefined) return;
    const downMs = this.#now() - this.#since;
    const failed = this.#failed;
    this.#since = undefined;
    this.#failed = 0;
    this.#logger?.warn({ down_ms: downMs, failed_requests: failed }, 'database available again');
    this.#logger = undefined;
  }
}

/** The error without its stack: the cause is what matters, and the same stack is no news. */
function summary(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  return {
    type: (error as Error).constructor?.name,
    ...(code !== undefined ? { code } : {}),
    message,
    ...(cause instanceof Error ? { cause: cause.message } : {}),
  };
}
