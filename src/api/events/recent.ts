// The newest committed events, already encoded, so a client that reconnects after a short
// break (or was cut off for reading slowly) catches up from memory: no journal read, no
// re-encoding, and the frames are the same buffers the live fan-out wrote. Older positions are
// read from the journal.

import type { PreparedEvent } from './frame.js';

export class RecentEvents {
  private events: PreparedEvent[] = [];
  private start = 0;

  constructor(private readonly capacity: number) {}

  /** Appends the events of a commit (in seq order, after everything already kept). */
  add(events: PreparedEvent[]): void {
    if (this.capacity <= 0) return;
    for (const e of events) this.events.push(e);
    if (this.events.length - this.start > this.capacity) this.start = this.events.length - this.capacity;
    // Drop the forgotten head now and then, not on every add (an array shift is O(n)).
    if (this.start > this.capacity) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
  }

  /**
   * Up to `limit` kept events with seq > after, oldest first; undefined when some event after
   * `after` is no longer kept (the caller reads the journal instead). Kept events are every
   * committed one since the oldest kept, so an empty or short answer means "nothing newer".
   */
  after(after: number, limit: number): PreparedEvent[] | undefined {
    const oldest = this.events[this.start];
    if (!oldest || oldest.seq > after + 1) return undefined;
    let lo = this.start;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo, lo + limit);
  }
}
