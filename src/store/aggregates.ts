// What reports need from the whole history, kept as small per-day aggregates so that old journal
// segments can be dropped (retention) without losing it: provisioning runs (count, durations,
// failures), boots (durations) and tag counts per pool (vmpooler's /summary).
//
// The aggregates are derived from committed events only, live, as they commit. They are written
// in every snapshot (state.json), which records the journal position it covers, and at open the
// events after that position are folded in again: so they always equal "all events ever", even
// the dropped ones. A segment is only dropped once a snapshot covers it.
//
// Which events count (the runner journals `new_state` / `new_stage` when a transition changes
// them, src/lifecycle/runner.ts):
// - a provisioning run starts at an event with new_state "provisioning" and ends at one with
//   new_state "active" (counted, with its duration, on the day it ended) or "failed" (counted as
//   failed); any other new state abandons it (maintenance, deprovision).
// - a boot starts at an event with new_stage "power" (each boot of a workflow, each retry) or at
//   the request that started a run with the machine already booting; it ends at a "checkpoint"
//   event that starts the next boot (new_stage "power") or ends the run (new_state "active" or
//   "inactive").
// - tags: any event whose data has `pool` (string) and `tags` (object of strings) counts one per
//   tag key and value, per pool and day. vmpooler's tagging journals such an event.

import type { HostEvent } from '../model/index.js';
import type { Store } from './store.js';

export interface DurationStats {
  count: number;
  totalMs: number;
  minMs: number;
  maxMs: number;
}

export interface DayAggregate {
  provisioned: DurationStats;
  provisionFailed: number;
  boots: DurationStats;
  /** pool -> tag key -> tag value -> count. */
  tags: Record<string, Record<string, Record<string, number>>>;
}

export interface Aggregates {
  /** Newest event folded in. */
  throughSeq: number;
  /** By UTC day, "YYYY-MM-DD". */
  days: Record<string, DayAggregate>;
}

/** What a snapshot keeps: the aggregates plus the runs and boots in progress. */
export interface AggregateState extends Aggregates {
  /** subject -> [run start ms or null, boot start ms or null]. */
  open: Record<string, [number | null, number | null]>;
}

type Ev = Pick<HostEvent, 'seq' | 'at' | 'subject' | 'type' | 'data'>;

export class Aggregator {
  private throughSeq = 0;
  private days: Record<string, DayAggregate> = {};
  private readonly open = new Map<string, [number | null, number | null]>();

  static from(s: AggregateState | undefined): Aggregator {
    const a = new Aggregator();
    if (!s) return a;
    a.throughSeq = s.throughSeq;
    a.days = structuredClone(s.days);
    for (const [k, v] of Object.entries(s.open)) a.open.set(k, [v[0], v[1]]);
    return a;
  }

  /**
   * Folds in one event's JSON text (as journaled). Most events change nothing, so the text is
   * only parsed when it can matter: the commit path stays cheap.
   */
  addJson(seq: number, json: string): void {
    if (seq <= this.throughSeq) return;
    if (json.includes('"new_st') || json.includes('"tags"')) this.add(JSON.parse(json) as Ev);
    else this.throughSeq = seq;
  }

  add(e: Ev): void {
    if (e.seq <= this.throughSeq) return; // already folded in (replay over a snapshot)
    this.throughSeq = e.seq;
    const d = e.data;
    if (!d) return;
    const newState = d['new_state'];
    const newStage = d['new_stage'];
    if (typeof newState === 'string' || typeof newStage === 'string') this.transition(e, newState, newStage);
    if (typeof d['pool'] === 'string' && typeof d['tags'] === 'object' && d['tags'] !== null) this.tags(e, d['pool'], d['tags'] as Record<string, unknown>);
  }

  private transition(e: Ev, newState: unknown, newStage: unknown): void {
    const cur = this.open.get(e.subject) ?? [null, null];
    let [run, boot] = cur;
    const bootEnds = e.type === 'checkpoint' && (newStage === 'power' || newState === 'active' || newState === 'inactive');
    if (bootEnds && boot !== null) record(this.day(e.at).boots, e.at - boot);
    if (bootEnds) boot = null;
    if (newState === 'provisioning' && run === null) run = e.at;
    if (newStage === 'power' || (newStage === 'dhcp' && e.type.endsWith('.requested'))) boot = e.at;
    if (newState === 'active' && run !== null) record(this.day(e.at).provisioned, e.at - run);
    if (newState === 'failed' && run !== null) this.day(e.at).provisionFailed++;
    if (typeof newState === 'string' && newState !== 'provisioning') run = null;
    if (typeof newState === 'string' && newState !== 'provisioning' && newState !== 'reclaiming') boot = null;
    if (run === null && boot === null) this.open.delete(e.subject);
    else this.open.set(e.subject, [run, boot]);
  }

  private tags(e: Ev, pool: string, tags: Record<string, unknown>): void {
    const byPool = (this.day(e.at).tags[pool] ??= {});
    for (const [k, v] of Object.entries(tags)) {
      const byKey = (byPool[k] ??= {});
      const value = String(v);
      byKey[value] = (byKey[value] ?? 0) + 1;
    }
  }

  private day(at: number): DayAggregate {
    const key = new Date(at).toISOString().slice(0, 10);
    return (this.days[key] ??= { provisioned: stats(), provisionFailed: 0, boots: stats(), tags: {} });
  }

  /** A deep copy, for readers (who may keep or change it) and for snapshots. */
  state(): AggregateState {
    return { throughSeq: this.throughSeq, days: structuredClone(this.days), open: Object.fromEntries(this.open) };
  }

  aggregates(): Aggregates {
    return { throughSeq: this.throughSeq, days: structuredClone(this.days) };
  }
}

function stats(): DurationStats {
  return { count: 0, totalMs: 0, minMs: 0, maxMs: 0 };
}

function record(s: DurationStats, ms: number): void {
  if (ms < 0) return; // clock stepped back: no meaningful duration
  s.minMs = s.count === 0 ? ms : Math.min(s.minMs, ms);
  s.maxMs = Math.max(s.maxMs, ms);
  s.count++;
  s.totalMs += ms;
}

/** A store that keeps aggregates itself (the durable store does). */
export interface AggregatingStore {
  aggregates(): Aggregates;
}

/**
 * The aggregates of any Store: its own when it keeps them (the durable store, which covers
 * dropped history), else computed from its events (the in-memory fake keeps all of them).
 */
export async function readAggregates(store: Store | (Store & AggregatingStore)): Promise<Aggregates> {
  if ('aggregates' in store && typeof store.aggregates === 'function') return store.aggregates();
  const a = new Aggregator();
  for (const e of await store.events()) a.add(e);
  return a.aggregates();
}
