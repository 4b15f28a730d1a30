import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ListenHandlers } from '../db/database.ts';
import { sendNotification } from '../db/queries/notify.ts';
import type { Database } from '../db/schema.ts';
import type { Change, ChangeFeed } from './change-feed.ts';
import type { VerificationCache } from './verification-cache.ts';

export const CHANGES_CHANNEL = 'tessera_changes';

/** How long a change waits for its own notice to come back before answering anyway. */
const ECHO_TIMEOUT_MS = 1000;

interface Notice {
  /** The node that made the change. */
  n: string;
  /** Its sequence number on that node. */
  s: number;
  c: Change;
}

/**
 * Carries the ChangeFeed between nodes over PostgreSQL LISTEN/NOTIFY (on PGlite, the same code path in
 * one process). A change is sent after its transaction commits; `publish` then waits until this node's
 * own notice comes back from PostgreSQL, which has by then handed it to every listening node, so the
 * response to a revoke or a role change leaves after the other nodes have been told.
 *
 * While the LISTEN connection is down, notices from other nodes are lost: the cache is switched off
 * (every request reads the database) and, once listening again, starts empty.
 */
export class ChangeNotifier {
  readonly #db: Kysely<Database>;
  readonly #feed: ChangeFeed;
  readonly #cache: VerificationCache;
  readonly #listen: (channel: string, handlers: ListenHandlers) => Promise<() => Promise<void>>;
  readonly #onError: (error: unknown, message: string) => void;
  readonly #node = randomUUID();
  readonly #waiting = new Map<number, () => void>();
  #sequence = 0;
  #listening = false;
  #stop: (() => Promise<void>) | undefined;
  /** Notices received from other nodes; for tests and metrics. */
  received = 0;

  constructor(deps: {
    db: Kysely<Database>;
    feed: ChangeFeed;
    cache: VerificationCache;
    listen: (channel: string, handlers: ListenHandlers) => Promise<() => Promise<void>>;
    onError: (error: unknown, message: string) => void;
  }) {
    this.#db = deps.db;
    this.#feed = deps.feed;
    this.#cache = deps.cache;
    this.#listen = deps.listen;
    this.#onError = deps.onError;
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Listen, and send this node's changes from now on. Until the first LISTEN succeeds, nothing is cached. */
  async start(): Promise<void> {
    this.#cache.setAvailable(false);
    this.#feed.setBroadcaster((change) => this.#broadcast(change));
    this.#stop = await this.#listen(CHANGES_CHANNEL, {
      onMessage: (payload) => this.#receive(payload),
      onConnected: () => {
        this.#listening = true;
        this.#cache.setAvailable(true);
      },
      onDisconnected: (error) => {
        this.#listening = false;
        this.#cache.setAvailable(false);
        for (const resolve of this.#waiting.values()) resolve();
        this.#onError(error, 'change notices: LISTEN connection lost; verification cache off until back');
      },
    });
  }

  async stop(): Promise<void> {
    this.#feed.setBroadcaster(undefined);
    await this.#stop?.();
    this.#listening = false;
    for (const resolve of this.#waiting.values()) resolve();
  }

  async #broadcast(change: Change): Promise<void> {
    const sequence = ++this.#sequence;
    const notice: Notice = { n: this.#node, s: sequence, c: change };
    let timer: NodeJS.Timeout | undefined;
    const echoed = this.#listening
      ? new Promise<void>((resolve) => {
          this.#waiting.set(sequence, resolve);
          timer = setTimeout(resolve, ECHO_TIMEOUT_MS);
        })
      : Promise.resolve();
    try {
      await sendNotification(this.#db, CHANGES_CHANNEL, JSON.stringify(notice));
      await echoed;
    } catch (error) {
      // The change has committed; failing the request now would tell the caller it had not. Other
      // nodes whose LISTEN connection is also cut off have switched their caches off meanwhile.
      this.#onError(error, 'change notice could not be sent');
    } finally {
      clearTimeout(timer);
      this.#waiting.delete(sequence);
    }
  }

  #receive(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    if (notice.n === this.#node) {
      this.#waiting.get(notice.s)?.();
      return;
    }
    if (!isChange(notice.c)) return;
    this.received++;
    this.#feed.deliver(notice.c);
  }
}

function isChange(value: unknown): value is Change {
  if (typeof value !== 'object' || value === null) return false;
  const change = value as Record<string, unknown>;
  if (change.type === 'token' || change.type === 'account') return typeof change.id === 'string';
  return change.type === 'secret' && typeof change.hash === 'string';
}
