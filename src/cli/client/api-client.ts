import { timeUntil } from '../../core/time-phrases.ts';
import { ApiError, CliError } from './errors.ts';
import type { Connection } from './stored-login.ts';

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** One page of a list, as every list endpoint answers. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The most a list asks for at once (the API's own maximum). */
const PAGE_SIZE = 100;
const USER_AGENT = `tessera-cli (Node.js ${process.version})`;
/** A server that accepts the connection but never answers must not hang a pipeline. */
const TIMEOUT_MS = 60_000;
/** The server says when the token expires on every answer it authenticated; closer than this, we warn. */
const EXPIRY_WARNING_MS = 7 * 86_400_000;
const EXPIRATION_HEADER = 'tessera-token-expiration';

export interface ApiClientOptions {
  /** Where the expiry warning goes: standard error by default, never standard output (pipelines read it). */
  warn?: (line: string) => void;
  now?: () => Date;
}

/**
 * The server's JSON API over fetch, with the token as a bearer. A refusal becomes an ApiError carrying the
 * server's `code` and `message`; nothing here ever puts the token into a message.
 */
export class ApiClient {
  readonly server: string;
  readonly #token: string;
  readonly #warn: (line: string) => void;
  readonly #now: () => Date;
  #warned = false;

  constructor(connection: Connection, options: ApiClientOptions = {}) {
    this.server = connection.server;
    this.#token = connection.token;
    this.#warn = options.warn ?? ((line) => process.stderr.write(`${line}\n`));
    this.#now = options.now ?? (() => new Date());
  }

  async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const url = new URL(`${this.server}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(one));
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: 'application/json',
      'user-agent': USER_AGENT,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new CliError(
          `${this.server} did not answer within ${TIMEOUT_MS / 1000} s.`,
          undefined,
          'timeout',
        );
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `Could not reach ${this.server}: ${cause?.code ?? cause?.message ?? (error as Error).message}.`,
        undefined,
        'unreachable',
      );
    }
    this.#warnOfExpiry(response.headers.get(EXPIRATION_HEADER));
    const text = await response.text();
    if (!response.ok) throw errorOf(response.status, text);
    if (response.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(
        `${this.server} answered ${path} with something other than JSON: is it a Tessera server?`,
      );
    }
  }

  /** Once per command: a token that stops working within a week should be replaced before it does. */
  #warnOfExpiry(header: string | null): void {
    if (this.#warned || header === null) return;
    const expiresAt = new Date(header);
    const now = this.#now();
    if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() - now.getTime() > EXPIRY_WARNING_MS) return;
    this.#warned = true;
    this.#warn(
      `warning: this token expires ${timeUntil(expiresAt, now)} (${expiresAt.toISOString()}); ` +
        'replace it with `tessera tokens rotate`, or create a new one.',
    );
  }

  /** Every item of a list, page after page. */
  async all<T>(path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.request<Page<T>>('GET', path, {
        query: { ...query, limit: PAGE_SIZE, cursor },
      });
      items.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return items;
  }
}

function errorOf(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string' && typeof body.message === 'string') {
      return new ApiError(status, body.code, body.message);
    }
  } catch {
    // Not the API's error shape: a proxy's page, say.
  }
  return new ApiError(status, `http_${status}`, `The server answered ${status}.`);
}
