import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Change, ChangeFeed } from './change-feed.ts';
import type { ListenHandlers } from './database.ts';
import { sendNotification } from './notify.ts';
import type { Database } from './schema.ts';

export const CHANGES_CHANNEL = 'tessera_changes';

/** A cache kept true by change notices: it must serve nothing while they cannot arrive. */
export interface NoticedCache {
  setAvailable(available: boolean): void;
}

/** How long a change waits for the other nodes to acknowledge it before answering anyway. */
const ACK_TIMEOUT_MS = 1000;
/** Every node says it is there this often; one not heard from for three times as long is gone. */
const HELLO_MS = 2000;
const PEER_EXPIRY_MS = 3 * HELLO_MS;

/** What travels on the channel: a change, an acknowledgement of one, or a node saying it listens. */
type Notice =
  | { n: string; s: number; c: Change }
  | { n: string; ack: { n: string; s: number } }
  | { n: string; hello: true }
  | { n: string; bye: true };

interface Pending {
  /** Who must still acknowledge: this node (its own notice coming back) and every peer known then. */
  missing: Set<string>;
  done: () => void;
}

/**
 * Carries the ChangeFeed between nodes over PostgreSQL LISTEN/NOTIFY (on PGlite, the same code path in
 * one process). A change is sent after its transaction commits; every other node applies it to its
 * cache and answers with an acknowledgement, and `publish` waits (up to 1 s) until this node's own
 * notice has come back and every node it knows of has acknowledged. So the response to a revoke or a
 * role change leaves only once the other nodes have dropped what they had cached.
 *
 * Nodes learn of each other from the notices themselves (and a hello every 2 s). A node that starts
 * between a change and its acknowledgements cannot hold a stale entry: its cache starts empty.
 *
 * While the LISTEN connection is down, notices from other nodes are lost: the cache is switched off
 * (every request reads the database) and, once listening again, starts empty.
 */
export class ChangeNotifier {
  readonly #db: Kysely<Database>;
  readonly #feed: ChangeFeed;
  readonly #cache: NoticedCache;
  readonly #listen: (channel: string, handlers: ListenHandlers) => Promise<() => Promise<void>>;
  readonly #onError: (error: unknown, message: string) => void;
  readonly #node = randomUUID();
  readonly #pending = new Map<number, Pending>();
  /** Other nodes: id → when last heard from (ms). */
  readonly #peers = new Map<string, number>();
  #sequence = 0;
  #listening = false;
  #hello: NodeJS.Timeout | undefined;
  #stop: (() => Promise<void>) | undefined;
  /** Changes received from other nodes; for tests. */
  received = 0;
  /** This node's changes answered after the timeout, without every acknowledgement; for tests. */
  unacknowledged = 0;

  constructor(deps: {
    db: Kysely<Database>;
    feed: ChangeFeed;
    cache: NoticedCache;
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

  /** Other nodes heard from recently. */
  get peers(): number {
    this.#forgetSilentPeers();
    return this.#peers.size;
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
        this.#send({ n: this.#node, hello: true });
      },
      onDisconnected: (error) => {
        this.#listening = false;
        this.#cache.setAvailable(false);
        for (const pending of this.#pending.values()) pending.done();
        this.#onError(error, 'change notices: LISTEN connection lost; verification cache off until back');
      },
    });
    this.#hello = setInterval(() => {
      if (this.#listening) this.#send({ n: this.#node, hello: true });
    }, HELLO_MS);
    this.#hello.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#hello);
    this.#feed.setBroadcaster(undefined);
    // So that the others stop waiting for this node's acknowledgements.
    if (this.#listening) {
      await sendNotification(this.#db, CHANGES_CHANNEL, JSON.stringify({ n: this.#node, bye: true })).catch(
        () => {},
      );
    }
    await this.#stop?.();
    this.#listening = false;
    for (const pending of this.#pending.values()) pending.done();
  }

  async #broadcast(change: Change): Promise<void> {
    const sequence = ++this.#sequence;
    let timer: NodeJS.Timeout | undefined;
    const acknowledged = this.#listening
      ? new Promise<void>((resolve) => {
          this.#forgetSilentPeers();
          this.#pending.set(sequence, {
            missing: new Set([this.#node, ...this.#peers.keys()]),
            done: resolve,
          });
          timer = setTimeout(() => {
            this.unacknowledged++;
            resolve();
          }, ACK_TIMEOUT_MS);
        })
      : Promise.resolve();
    try {
      await sendNotification(
        this.#db,
        CHANGES_CHANNEL,
        JSON.stringify({ n: this.#node, s: sequence, c: change }),
      );
      await acknowledged;
    } catch (error) {
      // The change has committed; failing the request now would tell the caller it had not. Other
      // nodes whose LISTEN connection is also cut off have switched their caches off meanwhile.
      this.#onError(error, 'change notice could not be sent');
    } finally {
      clearTimeout(timer);
      this.#pending.delete(sequence);
    }
  }

  #receive(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    if (typeof notice?.n !== 'string') return;
    if ('bye' in notice) {
      this.#peers.delete(notice.n);
      for (const pending of this.#pending.keys()) this.#acknowledge(notice.n, pending);
      return;
    }
    if (notice.n !== this.#node) this.#peers.set(notice.n, performance.now());
    if ('c' in notice) {
      if (notice.n === this.#node) {
        this.#acknowledge(this.#node, notice.s);
        return;
      }
      if (!isChange(notice.c)) return;
      this.received++;
      this.#feed.deliver(notice.c);
      this.#send({ n: this.#node, ack: { n: notice.n, s: notice.s } });
    } else if ('ack' in notice && notice.ack?.n === this.#node) {
      this.#acknowledge(notice.n, notice.ack.s);
    }
  }

  #acknowledge(node: string, sequence: number): void {
    const pending = this.#pending.get(sequence);
    if (!pending) return;
    pending.missing.delete(node);
    if (pending.missing.size === 0) pending.done();
  }

  #send(notice: Notice): void {
    sendNotification(this.#db, CHANGES_CHANNEL, JSON.stringify(notice)).catch((error) =>
      this.#onError(error, 'change notice could not be sent'),
    );
  }

  #forgetSilentPeers(): void {
    const now = performance.now();
    for (const [node, seen] of this.#peers) if (now - seen > PEER_EXPIRY_MS) this.#peers.delete(node);
  }
}

function isChange(value: unknown): value is Change {
  if (typeof value !== 'object' || value === null) return false;
  const change = value as Record<string, unknown>;
  if (change.type === 'token' || change.type === 'account' || change.type === 'team')
    return typeof change.id === 'string';
  if (change.type === 'scopes') return true;
  return change.type === 'secret' && typeof change.hash === 'string';
}
