// The types of the durable store (journaled-store.ts): what it offers beyond the Store contract,
// its counters, and the parts openStore() builds it from.

import type { Low } from 'lowdb';
import type { Logger } from '../lib/log.js';
import { ApplianceError, isApplianceError } from '../model/errors.js';
import type { Aggregates, Aggregator } from './aggregates.js';
import type { RetentionOptions } from './compactor.js';
import type { History } from './history.js';
import type { DirLock } from './lock.js';
import type { StateImage } from './schema.js';
import type { StoreState } from './state.js';
import type { Store } from './store.js';

/** Counters for tests, the benchmark and /metrics. */
export interface StoreStats {
  /** Journal appends (one write + fdatasync each): the disk commits. */
  commits: number;
  /** Transactions acknowledged. */
  transactions: number;
  /** Most transactions acknowledged by one commit. */
  largestBatch: number;
  /** Bytes of all retained journal segments. */
  journalBytes: number;
  /** Retained journal segments (the active one included). */
  segments: number;
  rotations: number;
  /** Segments dropped by retention since open. */
  droppedSegments: number;
  snapshots: number;
  lastSeq: number;
  /** Retained events. */
  events: number;
  failed: boolean;
}

/** The Store plus what only the lowdb implementation has. */
export interface CorralStore extends Store {
  readonly dir: string;
  stats(): StoreStats;
  /** Per-day history aggregates (aggregates.ts): all events ever, dropped ones included. */
  aggregates(): Aggregates;
}

export interface StoreParts {
  dir: string;
  low: Low<StateImage>;
  state: StoreState;
  history: History;
  aggregator: Aggregator;
  segmentBytes: number;
  retention: Required<RetentionOptions>;
  compactIntervalMs: number;
  lock: DirLock;
  clock: { now(): number };
  log: Logger;
  snapshotEvery: number;
  snapshotIntervalMs: number;
  beforeAppend: (() => void | Promise<void>) | undefined;
}

export function storeFailed(message: string, cause?: unknown): ApplianceError {
  if (isApplianceError(cause) && cause.code === 'STORE_FAILED') return cause;
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new ApplianceError('STORE_FAILED', message + why);
}
