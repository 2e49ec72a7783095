// A Store whose disk is gone: every transaction rejects with STORE_FAILED and changes nothing.
// Reads (and events) come from an optional seed store, so a test can set up state first and
// then check how a module behaves when it cannot persist anything.

import type { HostEvent } from '../../src/model/index.js';
import { ApplianceError } from '../../src/model/errors.js';
import type { CollectionName, Collections, CommitListener, EventQuery, Store, Tx } from '../../src/store/store.js';
import { MemoryStore } from './memory-store.js';

export class BrokenStore implements Store {
  /** How many transactions were attempted (and refused). */
  attempts = 0;

  constructor(
    private readonly seed: Store = new MemoryStore(),
    private readonly message = 'store write failed: simulated disk failure',
  ) {}

  get<C extends CollectionName>(c: C, id: string): Collections[C] | undefined {
    return this.seed.get(c, id);
  }

  list<C extends CollectionName>(c: C): Collections[C][] {
    return this.seed.list(c);
  }

  count(c: CollectionName): number {
    return this.seed.count(c);
  }

  transact<T>(_fn: (tx: Tx) => T): Promise<T> {
    this.attempts++;
    return Promise.reject(new ApplianceError('STORE_FAILED', this.message));
  }

  events(q?: EventQuery): Promise<HostEvent[]> {
    return this.seed.events(q);
  }

  lastSeq(): number {
    return this.seed.lastSeq();
  }

  /** Nothing commits here, so listeners hear only of commits made on the seed store. */
  subscribe(listener: CommitListener): () => void {
    return this.seed.subscribe(listener);
  }

  close(): Promise<void> {
    return this.seed.close();
  }
}

export function createBrokenStore(seed?: Store): BrokenStore {
  return new BrokenStore(seed);
}
