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

/**
 * The server's JSON API over fetch, with the token as a bearer. A refusal becomes an ApiError carrying the
 * server's `code` and `message`; nothing here ever puts the token into a message.
 */
export class ApiClient {
  readonly server: string;
  readonly #token: string;

  constructor(connection: Connection) {
    this.server = connection.server;
    this.#token = connection.token;
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
