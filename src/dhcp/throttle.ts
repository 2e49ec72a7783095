// Rate limits for logs and journal notes: a broadcast storm (or 30,000 unknown MACs) must not
// flood the log or the journal. Each key is let through at most once per window, and at most
// `maxPerWindow` keys per window in all; the rest are counted as suppressed.
import type { Clock } from '../lib/clock.js';

export class Throttle {
  private readonly last = new Map<string, number>();
  private windowStart = -Infinity;
  private allowed = 0;
  private suppressed = 0;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly windowMs = 60_000,
    private readonly maxPerWindow = 20,
  ) {}

  /** true when `key` may be reported now. */
  allow(key: string): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) this.roll(now);
    const prev = this.last.get(key);
    if ((prev !== undefined && now - prev < this.windowMs) || this.allowed >= this.maxPerWindow) {
      this.suppressed++;
      return false;
    }
    this.last.set(key, now);
    this.allowed++;
    return true;
  }

  /** How many were suppressed since the last call. */
  takeSuppressed(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }

  private roll(now: number): void {
    this.windowStart = now;
    this.allowed = 0;
    for (const [k, t] of this.last) if (now - t >= this.windowMs) this.last.delete(k);
  }
}
