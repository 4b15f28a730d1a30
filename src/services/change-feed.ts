/**
 * What changed that a cached authentication decision may depend on. Published after the change has
 * committed; subscribers (the verification cache, other nodes through NOTIFY) drop what they hold.
 */
export type Change = { type: 'token'; id: string } | { type: 'account'; id: string };

export type ChangeListener = (change: Change) => void;

export class ChangeFeed {
  readonly #listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(change: Change): void {
    for (const listener of this.#listeners) listener(change);
  }
}
