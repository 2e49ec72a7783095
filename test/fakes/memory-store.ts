// An in-memory Store for other modules' unit tests: the same semantics as the lowdb store
// (same staging, deep copies, event numbering and queries, since it shares the in-memory core),
// but no disk. A transaction is "committed" on a later microtask, like a group commit: the
// change is visible at once, the promise resolves afterwards, and its events become visible to
// events()/lastSeq() when it resolves, which is also when subscribers are told of them (one call
// per transaction: each is its own commit here).

import type { HostEvent } from '../../src/model/index.js';
import { ApplianceError } from '../../src/model/errors.js';
import { EventIndex, type EventRef } from '../../src/store/event-index.js';
import { CommitListeners } from '../../src/store/listeners.js';
import { StoreState, rejected, type AppliedTx } from '../../src/store/state.js';
import type { CollectionName, Collections, CommitListener, EventQuery, Store, Tx } from '../../src/store/store.js';

interface MemoryEventRef extends EventRef {
  json: string;
}

export class MemoryStore implements Store {
  private readonly state = new StoreState();
  private readonly index = new EventIndex<MemoryEventRef>();
  private closed = false;
  /** Transactions committed, for tests that count writes. */
  commits = 0;
  /** What subscribers threw (the fake has no logger; tests can check this is empty). */
  readonly listenerErrors: unknown[] = [];
  private readonly listeners = new CommitListeners((err) => this.listenerErrors.push(err));

  constructor(private readonly clock: { now(): number } = { now: () => Date.now() }) {}

  get<C extends CollectionName>(c: C, id: string): Collections[C] | undefined {
    return this.state.get(c, id);
  }

  getText(c: CollectionName, id: string): string | undefined {
    return this.state.getText(c, id);
  }

  list<C extends CollectionName>(c: C): Collections[C][] {
    return this.state.list(c);
  }

  count(c: CollectionName): number {
    return this.state.count(c);
  }

  transact<T>(fn: (tx: Tx) => T): Promise<T> {
    if (this.closed) return Promise.reject(new ApplianceError('STORE_FAILED', 'store is closed'));
    let run: { result: T; applied: AppliedTx | null };
    try {
      run = this.state.run(fn, this.clock.now());
    } catch (e) {
      return rejected(e);
    }
    return this.commit(run.applied).then(() => run.result);
  }

  private async commit(applied: AppliedTx | null): Promise<void> {
    await Promise.resolve();
    if (applied) {
      for (const e of applied.events) this.index.add({ seq: e.seq, subject: e.subject, type: e.type, json: e.json });
      this.commits++;
      this.listeners.notify([applied]);
    }
  }

  async events(q?: EventQuery): Promise<HostEvent[]> {
    return this.index.query(q).map((r) => JSON.parse(r.json) as HostEvent);
  }

  lastSeq(): number {
    return this.index.lastSeq;
  }

  subscribe(listener: CommitListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export function createMemoryStore(clock?: { now(): number }): MemoryStore {
  return new MemoryStore(clock);
}
