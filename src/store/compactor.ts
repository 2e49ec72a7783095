// Background upkeep of the journal segments, off the commit path:
// - writes the sidecar index of segments closed by a rotation (one per step);
// - retention: drops the oldest closed segments while they are older than `maxAgeMs` or the
//   journal is larger than `maxBytes`, but only segments before the one the newest durable
//   snapshot was taken in: the snapshot holds their effects on the state and their aggregates,
//   so nothing that open or a report needs goes with them.
// Each step is short (one sidecar write, or one segment unlinked) and the loop yields between
// steps, so commits are never held up for long. Crash safety: a sidecar is written atomically
// (temp file + fsync + rename + dir fsync) and is only a cache of its segment; a drop unlinks the
// segment before its sidecar, and open deletes sidecars without a segment. A kill between any
// two steps leaves a store that opens with everything the snapshot and the later segments hold.

import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { fsyncDir } from './durable-file.js';
import type { ClosedSegment, History } from './history.js';
import { indexFile, segmentFile, writeIndexFile } from './segments.js';

export interface RetentionOptions {
  /** Drop closed segments whose newest transaction is older than this (0 = keep regardless of age). */
  maxAgeMs?: number;
  /** Drop the oldest closed segments while the journal is larger than this (0 = no size bound). */
  maxBytes?: number;
}

export const DEFAULT_RETENTION: Required<RetentionOptions> = { maxAgeMs: 180 * 24 * 3600_000, maxBytes: 2 << 30 };

export interface CompactorDeps {
  dir: string;
  history: History;
  clock: { now(): number };
  log: Logger;
  retention: Required<RetentionOptions>;
  intervalMs: number;
  /** First `t` of the segment the newest durable snapshot was taken in. */
  snapshotSegment(): number;
  /** Resolves when the events() reads running now are done (a dropped file may be in use). */
  settleReads(): Promise<void>;
}

export class Compactor {
  dropped = 0;
  indexFiles = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly d: CompactorDeps) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.d.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs the upkeep soon (after a rotation or a snapshot); coalesces with a run in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      for (let step = this.nextStep(); step && !this.stopped; step = this.nextStep()) {
        await step();
        await new Promise((r) => setImmediate(r));
      }
    } catch (e) {
      // Not fatal: the segments stay as they are and the next run tries again.
      this.d.log.warn('journal upkeep failed', { error: (e as Error).message });
    }
  }

  private nextStep(): (() => Promise<void>) | undefined {
    const drop = this.dropCandidate();
    if (drop) return () => this.drop(drop);
    const unindexed = this.d.history.closed.find((s) => !s.hasIndexFile);
    if (unindexed) return () => this.writeIndex(unindexed);
    return undefined;
  }

  private dropCandidate(): ClosedSegment | undefined {
    const { history, retention } = this.d;
    const oldest = history.closed[0];
    if (!oldest || oldest.meta.firstT >= this.d.snapshotSegment()) return undefined;
    const tooOld = retention.maxAgeMs > 0 && oldest.meta.lastAt < this.d.clock.now() - retention.maxAgeMs;
    const tooBig = retention.maxBytes > 0 && history.bytes > retention.maxBytes;
    return tooOld || tooBig ? oldest : undefined;
  }

  private async writeIndex(seg: ClosedSegment): Promise<void> {
    await writeIndexFile(this.d.dir, seg.meta, await seg.columns());
    seg.hasIndexFile = true;
    this.indexFiles++;
  }

  private async drop(seg: ClosedSegment): Promise<void> {
    const { history, dir } = this.d;
    // Out of the list first: queries that start from now on do not see it; the ones already
    // running finish before its file goes.
    history.closed = history.closed.filter((s) => s !== seg);
    this.dropped++;
    await this.d.settleReads();
    await seg.close();
    await unlink(join(dir, segmentFile(seg.meta.firstT)));
    await unlink(join(dir, indexFile(seg.meta.firstT))).catch(() => {});
    await fsyncDir(dir);
    this.d.log.info('dropped a journal segment (retention)', { segment: seg.meta.firstT, lastAt: seg.meta.lastAt, events: seg.meta.events });
  }
}
