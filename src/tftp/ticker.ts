// One retransmission timer per server instead of one per transfer: every `periodMs` the ticker
// hands the time to each transfer, which compares it with its own deadline. Progress (an ACK)
// then only stores a number; no timer is created, moved or cancelled per block, and 100
// transfers cost one timer, not 100. A retransmission happens between its timeout and the
// timeout plus one period (RFC 1350 and RFC 2349 leave the exact moment to the implementation;
// never early, so a negotiated timeout is honoured). Idle (no member): no timer at all.

import type { Clock, TimerHandle } from '../lib/clock.js';

export interface Tickable {
  onTick(now: number): void;
}

export class Ticker {
  private readonly members = new Set<Tickable>();
  private timer: TimerHandle | null = null;

  constructor(private readonly clock: Clock, readonly periodMs: number) {}

  get size(): number {
    return this.members.size;
  }

  add(m: Tickable): void {
    this.members.add(m);
    if (this.timer === null) this.timer = this.clock.setTimeout(() => this.tick(), this.periodMs);
  }

  delete(m: Tickable): void {
    this.members.delete(m);
    if (this.members.size === 0 && this.timer !== null) {
      this.timer.cancel();
      this.timer = null;
    }
  }

  private tick(): void {
    this.timer = null;
    const now = this.clock.now();
    for (const m of this.members) m.onTick(now); // a member may delete itself: Set iteration allows it
    if (this.members.size > 0 && this.timer === null) this.timer = this.clock.setTimeout(() => this.tick(), this.periodMs);
  }
}
