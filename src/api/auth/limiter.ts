// Failed-login throttling per source address: after `max` failures within `windowMs`, further
// logins from that address are refused (429) until the oldest failure leaves the window. The
// address only throttles; it is never taken as an identity.
import type { Clock } from '../../lib/clock.js';

export interface LoginLimiter {
  /** Seconds to wait before another try, or 0 when allowed. */
  retryAfter(address: string): number;
  fail(address: string): void;
  succeed(address: string): void;
}

export function createLoginLimiter(clock: Clock, opts: { max?: number; windowMs?: number; maxAddresses?: number } = {}): LoginLimiter {
  const max = opts.max ?? 10;
  const windowMs = opts.windowMs ?? 5 * 60_000;
  const maxAddresses = opts.maxAddresses ?? 10_000;
  const failures = new Map<string, number[]>();
  const recent = (address: string) => {
    const now = clock.now();
    const list = (failures.get(address) ?? []).filter((t) => now - t < windowMs);
    if (list.length) failures.set(address, list);
    else failures.delete(address);
    return list;
  };
  return {
    retryAfter(address) {
      const list = recent(address);
      if (list.length < max) return 0;
      return Math.max(1, Math.ceil((list[0]! + windowMs - clock.now()) / 1000));
    },
    fail(address) {
      // Bounded memory under a spray of addresses: forget the oldest entry first.
      if (!failures.has(address) && failures.size >= maxAddresses) failures.delete(failures.keys().next().value!);
      failures.set(address, [...recent(address), clock.now()]);
    },
    succeed(address) {
      failures.delete(address);
    },
  };
}
