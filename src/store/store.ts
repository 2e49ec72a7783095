// The Store: Corral's runtime state (never the SoT). One small interface, so the lowdb
// implementation can later be swapped (PostgreSQL for several appliances) without touching callers.
//
// Contract:
// - `transact(fn)` runs `fn` synchronously against the current state, applies its puts/deletes
//   in memory at once (so later transactions and reads see them), and resolves only once the
//   change is durable on disk. Concurrent transactions share one disk write (group commit).
//   If `fn` throws, nothing it did is applied and the promise rejects with that error.
// - A change is acknowledged (promise resolved) only after fsync; a kill -9 at any moment loses
//   nothing acknowledged and never leaves an unreadable file.
// - Events appended in a transaction go to the append-only JSONL journal with the same commit,
//   numbered by a monotonic `seq`, and are read back oldest first by `events()`.
// - `subscribe(listener)` tells of committed events: once per disk commit that carried events,
//   with that commit's events in seq order, after they are durable and visible to `events()` and
//   `lastSeq()`, and before the commit's `transact()` promises resolve. Commits are reported one
//   at a time, in seq order, so a listener that starts at `lastSeq()` misses nothing. A listener
//   that throws is ignored (logged): it cannot fail a commit or stop the other listeners.

import type { Allocation, ApiToken, HostEvent, HostRuntime, Lease, Plan, Task, User } from '../model/index.js';

/** The collections of the store and the record type each holds, keyed by id. */
export interface Collections {
  hosts: HostRuntime;
  leases: Lease;
  tasks: Task;
  tokens: ApiToken;
  users: User;
  plans: Plan;
  allocations: Allocation;
  /** Small appliance-wide settings and counters. */
  meta: unknown;
}

export type CollectionName = keyof Collections;

/** An event as a transaction appends it: the store stamps `seq`, and `at` if missing. */
export type EventInput = Omit<HostEvent, 'seq' | 'at'> & { at?: number };

export interface Tx {
  get<C extends CollectionName>(c: C, id: string): Collections[C] | undefined;
  put<C extends CollectionName>(c: C, id: string, value: Collections[C]): void;
  del(c: CollectionName, id: string): void;
  event(e: EventInput): void;
}

export interface EventQuery {
  subject?: string;
  /** Only events with seq greater than this. */
  afterSeq?: number;
  /** Only events of these types. */
  types?: string[];
  limit?: number;
  /** With limit: the newest `limit` matching events instead of the oldest (still oldest first). */
  newest?: boolean;
}

/** Told of committed events; what it returns is ignored, what it throws is logged and dropped. */
export type CommitListener = (events: HostEvent[]) => void;

export interface Store {
  get<C extends CollectionName>(c: C, id: string): Collections[C] | undefined;
  list<C extends CollectionName>(c: C): Collections[C][];
  /**
   * A record as the JSON text the store keeps, unparsed (get() returns a parse of it). Equal
   * texts are equal records, so what is derived from a record can be cached under its text.
   * Optional: a store that keeps no text lacks it, and callers use get().
   */
  getText?(c: CollectionName, id: string): string | undefined;
  count(c: CollectionName): number;
  transact<T>(fn: (tx: Tx) => T): Promise<T>;
  /** Journal events, oldest first. */
  events(q?: EventQuery): Promise<HostEvent[]>;
  /** The seq of the newest event (0 when none). */
  lastSeq(): number;
  /**
   * Calls `listener` with the events of every later commit (see the contract above). The array
   * and its events are shared by all listeners: read them, do not change them. Returns the
   * function that unsubscribes.
   */
  subscribe(listener: CommitListener): () => void;
  close(): Promise<void>;
}

export const SCHEMA_VERSION = 1;
