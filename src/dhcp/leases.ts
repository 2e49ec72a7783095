// The lease table of server mode: bindings persisted in the backend's `leases` records (keyed by
// MAC), pending offers in memory only, declined addresses in memory, and indexes by address.
//
// Durability (RFC 2131 §3.1 step 4: the server commits the binding to persistent storage, then
// sends the DHCPACK): bind/release/decline resolve only once the store has fsynced them; the store
// group-commits, so many ACKs share one fsync. Offers need no durability (§4.3.1: the server
// need not reserve an offered address; we keep it for offerTtlMs to avoid offering it twice).
//
// Allocation is a cursor walking the range plus O(1) "taken" checks, so it is amortised O(1)
// while the range has room; a range found full is not scanned again for a second (no storm of
// O(range) scans). Decisions: declined addresses are kept in memory only (a restart forgets
// them; the conflicting client declines again); expired bindings stay in the store for
// `retainMs` so a returning client gets its old address (§4.3.1), then the sweep deletes them.
import type { Clock, TimerHandle } from '../lib/clock.js';
import { formatIpv4, parseIpv4 } from '../lib/ip.js';
import type { Logger } from '../lib/log.js';
import type { AddressRange, Lease, Mac } from '../model/index.js';
import type { LeaseStore } from './backend.js';

/** What the (pure) responder may ask about leases. */
export interface LeaseView {
  /** The stored lease record of a MAC in any state (bound, released, expired), if any. */
  lease(mac: Mac): Lease | undefined;
  /** The live (not expired) pending offer to a MAC, if any. */
  offer(mac: Mac): Lease | undefined;
  /** The MAC holding ip now: a live binding or a live offer. */
  holder(ip: string): Mac | undefined;
  /** ip was declined (in use by an unknown machine) recently. */
  declined(ip: string): boolean;
  /** A free address in range (not held, not declined, not avoided); undefined when none. */
  allocate(range: AddressRange, avoid: (ip: number) => boolean): string | undefined;
}

export type LeaseChange =
  | { kind: 'offer'; lease: Lease }
  | { kind: 'forget'; mac: Mac }
  | { kind: 'bind'; lease: Lease }
  | { kind: 'release'; mac: Mac; ip: string }
  | { kind: 'decline'; mac: Mac; ip: string };

export interface LeaseTableOptions {
  /** How long an offer holds its address (default 30 s). */
  offerTtlMs?: number;
  /** How long a declined address is not handed out (default 10 min). */
  declineMs?: number;
  /** Sweep period (default 60 s). */
  sweepMs?: number;
  /** Expired/released bindings are deleted from the store this long after they end (default 1 day). */
  retainMs?: number;
  /** A range found full is not scanned again for this long (default 1 s). */
  exhaustedBackoffMs?: number;
}

interface Cursor {
  next: number;
  exhaustedUntil: number;
}

const live = (l: Lease | undefined, now: number): l is Lease => l !== undefined && l.expires > now;

export class LeaseTable implements LeaseView {
  private readonly byMac = new Map<Mac, Lease>();
  private readonly offers = new Map<Mac, Lease>();
  /** ip -> the MAC of its latest binding or offer; may be stale, holder() checks and prunes. */
  private readonly byIp = new Map<number, Mac>();
  private readonly declinedUntil = new Map<number, number>();
  private readonly cursors = new Map<string, Cursor>();
  private readonly opts: Required<LeaseTableOptions>;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly store: LeaseStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: LeaseTableOptions = {},
  ) {
    this.opts = {
      offerTtlMs: opts.offerTtlMs ?? 30_000,
      declineMs: opts.declineMs ?? 600_000,
      sweepMs: opts.sweepMs ?? 60_000,
      retainMs: opts.retainMs ?? 86_400_000,
      exhaustedBackoffMs: opts.exhaustedBackoffMs ?? 1_000,
    };
  }

  /** Loads the stored leases into the in-memory indexes. */
  load(): void {
    this.byMac.clear();
    this.byIp.clear();
    for (const l of this.store.list('leases')) {
      this.byMac.set(l.mac, l);
      const n = parseIpv4(l.ip);
      if (n !== undefined && l.state === 'bound') this.byIp.set(n, l.mac);
    }
  }

  /** Starts the periodic sweep (expiry) on the injected clock. */
  start(): void {
    const tick = () => {
      this.timer = this.clock.setTimeout(tick, this.opts.sweepMs);
      this.sweep();
    };
    this.timer ??= this.clock.setTimeout(tick, this.opts.sweepMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  lease(mac: Mac): Lease | undefined {
    return this.byMac.get(mac);
  }

  offer(mac: Mac): Lease | undefined {
    const o = this.offers.get(mac);
    return live(o, this.clock.now()) ? o : undefined;
  }

  holder(ip: string): Mac | undefined {
    const n = parseIpv4(ip);
    return n === undefined ? undefined : this.holderOf(n, this.clock.now());
  }

  declined(ip: string): boolean {
    const n = parseIpv4(ip);
    return n !== undefined && this.isDeclined(n, this.clock.now());
  }

  allocate(range: AddressRange, avoid: (ip: number) => boolean): string | undefined {
    const start = parseIpv4(range.start);
    const end = parseIpv4(range.end);
    if (start === undefined || end === undefined || end < start) return undefined;
    const now = this.clock.now();
    const key = `${start}-${end}`;
    let c = this.cursors.get(key);
    if (!c) this.cursors.set(key, (c = { next: start, exhaustedUntil: 0 }));
    if (now < c.exhaustedUntil) return undefined;
    for (let i = end - start; i >= 0; i--) {
      const ip = c.next;
      c.next = ip >= end ? start : ip + 1;
      if (this.holderOf(ip, now) === undefined && !this.isDeclined(ip, now) && !avoid(ip)) return formatIpv4(ip);
    }
    c.exhaustedUntil = now + this.opts.exhaustedBackoffMs;
    return undefined;
  }

  /** Applies a change: offers and forgets at once; the rest resolve once durable. */
  apply(change: LeaseChange): Promise<void> | undefined {
    switch (change.kind) {
      case 'offer':
        return this.putOffer(change.lease);
      case 'forget':
        this.offers.delete(change.mac);
        return undefined;
      case 'bind':
        return this.bind(change.lease);
      case 'release':
        return this.release(change.mac, change.ip);
      case 'decline':
        return this.decline(change.mac, change.ip);
    }
  }

  /** Bindings and offers now live, for stats. */
  counts(): { bound: number; offered: number; declined: number; stored: number } {
    const now = this.clock.now();
    let bound = 0;
    for (const l of this.byMac.values()) if (l.state === 'bound' && l.expires > now) bound++;
    let offered = 0;
    for (const o of this.offers.values()) if (o.expires > now) offered++;
    return { bound, offered, declined: this.declinedUntil.size, stored: this.byMac.size };
  }

  /** Drops expired offers, stale indexes and declines; deletes bindings ended retainMs ago. */
  sweep(): Promise<void> {
    const now = this.clock.now();
    for (const [mac, o] of this.offers) if (o.expires <= now) this.offers.delete(mac);
    for (const [ip] of this.byIp) this.holderOf(ip, now);
    for (const [ip, until] of this.declinedUntil) if (until <= now) this.declinedUntil.delete(ip);
    const old = [...this.byMac.values()].filter((l) => l.expires + this.opts.retainMs <= now);
    if (old.length === 0) return Promise.resolve();
    for (const l of old) this.byMac.delete(l.mac);
    return this.store
      .transact((tx) => old.forEach((l) => tx.del('leases', l.mac)))
      .then(() => undefined)
      .catch((e: unknown) => this.log.warn('cannot delete old leases', { error: (e as Error).message }));
  }

  private holderOf(ip: number, now: number): Mac | undefined {
    const mac = this.byIp.get(ip);
    if (mac === undefined) return undefined;
    const ipText = formatIpv4(ip);
    const b = this.byMac.get(mac);
    if (live(b, now) && b.state === 'bound' && b.ip === ipText) return mac;
    const o = this.offers.get(mac);
    if (live(o, now) && o.ip === ipText) return mac;
    this.byIp.delete(ip);
    return undefined;
  }

  private isDeclined(ip: number, now: number): boolean {
    const until = this.declinedUntil.get(ip);
    return until !== undefined && until > now;
  }

  private index(ip: string, mac: Mac): void {
    const n = parseIpv4(ip);
    if (n !== undefined) this.byIp.set(n, mac);
  }

  private putOffer(lease: Lease): undefined {
    const expires = Math.min(lease.expires, this.clock.now() + this.opts.offerTtlMs);
    this.offers.set(lease.mac, { ...lease, state: 'offered', expires });
    this.index(lease.ip, lease.mac);
    return undefined;
  }

  /** Writes `next` (or deletes the MAC's record when undefined) durably; undoes memory on failure. */
  private async persist(mac: Mac, next: Lease | undefined): Promise<void> {
    const prev = this.byMac.get(mac);
    if (next) this.byMac.set(mac, next);
    else this.byMac.delete(mac);
    try {
      await this.store.transact((tx) => (next ? tx.put('leases', mac, next) : tx.del('leases', mac)));
    } catch (e) {
      if (this.byMac.get(mac) === next) {
        if (prev) this.byMac.set(mac, prev);
        else this.byMac.delete(mac);
      }
      throw e;
    }
  }

  private bind(lease: Lease): Promise<void> {
    this.offers.delete(lease.mac);
    this.index(lease.ip, lease.mac);
    return this.persist(lease.mac, { ...lease, state: 'bound' });
  }

  /** RFC 2131 §4.3.4: the address goes back to the pool; the record stays for affinity. */
  private release(mac: Mac, ip: string): Promise<void> | undefined {
    this.offers.delete(mac);
    const b = this.byMac.get(mac);
    if (!b || b.ip !== ip || b.state !== 'bound') return undefined;
    const now = this.clock.now();
    return this.persist(mac, { ...b, state: 'released', expires: Math.min(b.expires, now) });
  }

  /** RFC 2131 §4.3.3: the address is in use by someone else: not available for declineMs. */
  private decline(mac: Mac, ip: string): Promise<void> | undefined {
    const n = parseIpv4(ip);
    if (n === undefined) return undefined;
    this.declinedUntil.set(n, this.clock.now() + this.opts.declineMs);
    const o = this.offers.get(mac);
    if (o?.ip === ip) this.offers.delete(mac);
    return this.byMac.get(mac)?.ip === ip ? this.persist(mac, undefined) : undefined;
  }
}
