// The subscribers of a store (Store.subscribe), shared by the lowdb store and the in-memory fake
// so both keep the same promises: one call per commit that carried events, in seq order, and a
// listener that throws cannot fail the commit or starve the listeners after it.

import type { HostEvent } from '../model/index.js';
import type { AppliedTx } from './state.js';
import type { CommitListener } from './store.js';

export class CommitListeners {
  // One entry object per subscribe() call, so subscribing the same function twice gives two
  // independent subscriptions, each with its own unsubscribe.
  private readonly entries = new Set<{ fn: CommitListener }>();

  constructor(private readonly onError: (err: unknown) => void) {}

  add(fn: CommitListener): () => void {
    const entry = { fn };
    this.entries.add(entry);
    return () => void this.entries.delete(entry);
  }

  /** Tells every listener of the events of these transactions (one durable commit). */
  notify(txs: readonly AppliedTx[]): void {
    if (this.entries.size === 0) return; // nobody listens: skip parsing the events back
    const events: HostEvent[] = [];
    for (const tx of txs) for (const e of tx.events) events.push(JSON.parse(e.json) as HostEvent);
    if (events.length === 0) return;
    for (const entry of [...this.entries]) {
      // A listener unsubscribed by an earlier one during this call is not called any more.
      if (!this.entries.has(entry)) continue;
      try {
        entry.fn(events);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
