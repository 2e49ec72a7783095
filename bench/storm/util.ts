// Small helpers of the boot-storm benchmark: seeded PRNG, latency samples, stoppable sleeps.

import { prng } from '../../test/fakes/prng.js';

export { prng };

/** A PRNG of its own per (seed, host, boot, purpose): draws do not depend on event timing. */
export function hostRng(seed: number, host: number, boot: number, purpose: number): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(host + 1, 0xc2b2ae35) ^ Math.imul(boot + 1, 0x27d4eb2f) ^ Math.imul(purpose + 1, 0x165667b1);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return prng(h >>> 0);
}

export type Range = [number, number];

export const between = (rnd: () => number, [lo, hi]: Range): number => lo + rnd() * (hi - lo);

/** Parses "200-1500" or "500". */
export function parseRange(text: string, what: string): Range {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m) throw new Error(`${what}: expected <ms> or <min>-<max>, got "${text}"`);
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo;
  if (hi < lo) throw new Error(`${what}: ${hi} < ${lo}`);
  return [lo, hi];
}

/** Durations (ms) of one kind of operation. */
export class Samples {
  private xs: number[] = [];
  private sorted = true;
  add(ms: number): void {
    this.xs.push(ms);
    this.sorted = false;
  }
  get count(): number {
    return this.xs.length;
  }
  values(): readonly number[] {
    return this.xs;
  }
  /** Nearest-rank percentile (q in 0..1); NaN when empty. */
  p(q: number): number {
    if (this.xs.length === 0) return NaN;
    if (!this.sorted) {
      this.xs.sort((a, b) => a - b);
      this.sorted = true;
    }
    const i = Math.min(this.xs.length - 1, Math.max(0, Math.ceil(q * this.xs.length) - 1));
    return this.xs[i]!;
  }
  max(): number {
    return this.p(1);
  }
  mean(): number {
    return this.xs.length === 0 ? NaN : this.xs.reduce((a, b) => a + b, 0) / this.xs.length;
  }
}

/** Samples by name, created on first use. */
export class SampleSet {
  readonly by = new Map<string, Samples>();
  private frozen = false;
  /** Later add() calls are ignored (the run is over; shutting down must not add samples). */
  freeze(): this {
    this.frozen = true;
    return this;
  }
  add(name: string, ms: number): void {
    if (this.frozen) return;
    let s = this.by.get(name);
    if (!s) this.by.set(name, (s = new Samples()));
    s.add(ms);
  }
  get(name: string): Samples {
    return this.by.get(name) ?? new Samples();
  }
}

/** Sleeps that can all be cut short at once (end of a run): they resolve false when stopped. */
export class Sleeper {
  private timers = new Map<NodeJS.Timeout, (ok: boolean) => void>();
  private stopped = false;
  sleep(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(true);
      }, Math.max(0, ms));
      this.timers.set(t, resolve);
    });
  }
  /** Waits at most ms for `arm`'s wake-up call: true when woken, false on timeout or stop. */
  waitFor(ms: number, arm: (wake: () => void) => void): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(false);
      }, Math.max(0, ms));
      this.timers.set(t, resolve);
      arm(() => {
        if (!this.timers.delete(t)) return;
        clearTimeout(t);
        resolve(true);
      });
    });
  }
  get isStopped(): boolean {
    return this.stopped;
  }
  stop(): void {
    this.stopped = true;
    for (const [t, resolve] of [...this.timers]) {
      clearTimeout(t);
      resolve(false);
    }
    this.timers.clear();
  }
}

export const fmtMs = (ms: number): string => (Number.isNaN(ms) ? '-' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
