// A deterministic Clock for tests: time only moves when advance() is called, and timers due in
// the advanced span run in due order (ties in scheduling order), each at its own due time.

import type { Clock, TimerHandle } from '../../src/lib/clock.js';

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { due: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return { cancel: () => void (this.timers = this.timers.filter((x) => x !== timer)) };
  }

  /** Number of timers not yet run or cancelled. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by ms, running due timers (also those they schedule within the span). */
  advance(ms: number): void {
    const target = this.t + ms;
    for (let i = 0; i < 1_000_000; i++) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.due;
      next.fn();
    }
    this.t = target;
  }

  private nextDue(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) {
      if (x.due > limit) continue;
      if (!best || x.due < best.due || (x.due === best.due && x.seq < best.seq)) best = x;
    }
    return best;
  }
}
