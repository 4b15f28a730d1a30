/**
 * What changed that a cached authentication decision may depend on: a token (revoked, restored,
 * deleted), an account (role, teams, deactivation, reactivation), a team (renamed or deleted, which
 * changes what every member's principal says), or a secret that now exists (a new token, whose hash may
 * have been remembered as unknown), or the catalog of upstream scopes (which every token's effective
 * scopes depend on).
 */
export type Change =
  | { type: 'token'; id: string }
  | { type: 'account'; id: string }
  | { type: 'team'; id: string }
  | { type: 'secret'; hash: string }
  | { type: 'scopes' };

export type ChangeListener = (change: Change) => void;

/** Sends a change to the other nodes; resolves once they have been sent it (or it gave up waiting). */
export type Broadcaster = (change: Change) => Promise<void>;

/**
 * Published after the change has committed. Subscribers on this node (the verification cache) drop
 * what they hold before `publish` returns; the broadcaster, when there is one, carries the change to
 * the other nodes through PostgreSQL NOTIFY.
 */
export class ChangeFeed {
  readonly #listeners = new Set<ChangeListener>();
  #broadcaster: Broadcaster | undefined;

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setBroadcaster(broadcaster: Broadcaster | undefined): void {
    this.#broadcaster = broadcaster;
  }

  /** A change made on this node: applied here at once, then sent to the others. Never throws. */
  async publish(change: Change): Promise<void> {
    this.deliver(change);
    await this.#broadcaster?.(change);
  }

  /** A change made here or on another node: applied on this node only. */
  deliver(change: Change): void {
    for (const listener of this.#listeners) listener(change);
  }
}
