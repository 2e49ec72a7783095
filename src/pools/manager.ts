// The pool manager: the one owner of pool holds (allocations "pool:", "checkout:" expiry,
// "wipe:"). It looks again after every committed store event (a host changed state, a check-out,
// an override) and on a bounded periodic tick (expiry runs on the injected clock with no call),
// asks decide.ts what to do, and does it: holds in store transactions that re-check the host is
// still free, installs and wipes only through the orchestrator (src/lifecycle/orchestrator.ts).
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';
import type { Orchestrator } from '../lifecycle/orchestrator.js';
import { freePredicate, holdsByHost } from '../plans/holds.js';
import { coalesce } from '../lib/coalesce.js';
import { decide, type Action } from './decide.js';
import { holdId, phaseOf, readSettings } from './model.js';
import { currentPools, returnInTx } from './checkout.js';
import { allOndemand, ondemandKey, readOndemand, storedRequest } from './ondemand.js';

export interface PoolManagerOptions {
  /** Periodic look (ms) when no event comes; expiries are also timed exactly. Default 15 s. */
  tickMs?: number;
  /** Installs per pool at once; default: the settings in meta (2). */
  maxConcurrent?: number;
  /** How long an install or wipe asked for but not yet visible counts as under way. Default 60 s. */
  askGraceMs?: number;
  /** Ended on-demand requests are forgotten after this (vmpooler: 2 weeks). */
  keepEndedMs?: number;
}

export interface PoolManager {
  start(): void;
  stop(): Promise<void>;
  /** Resolves once the passes under way (and those they caused) are done: tests. */
  settle(): Promise<void>;
}

type Orch = Pick<Orchestrator, 'requestProvision' | 'requestReclaim'>;

export function createPoolManager(deps: { sot: LiveSot; store: Store; orchestrator: Orch; clock: Clock; log: Logger }, opts: PoolManagerOptions = {}): PoolManager {
  const { store, clock, log } = deps;
  // Hosts asked to install or wipe, with their state then: the ask counts as under way until the
  // state moves (the orchestrator took it: provisioning, reclaiming, or done) or the grace ends
  // (it was queued or refused; asked again then).
  const asked = new Map<string, { at: number; state: string | undefined; attempt: number | undefined }>();
  const ask = (hostId: string, at: number) => {
    const rt = store.get('hosts', hostId);
    asked.set(hostId, { at, state: rt?.state, attempt: rt?.bootAttempt });
  };
  let timer: TimerHandle | undefined;
  let unsubscribe: (() => void) | undefined;
  let stopped = true;
  let running: Promise<void> = Promise.resolve();
  const grace = opts.askGraceMs ?? 60_000;

  async function once(): Promise<void> {
    const sot = deps.sot.current();
    if (!sot || stopped) return;
    const now = clock.now();
    for (const [h, a] of asked) {
      const rt = store.get('hosts', h);
      if (now - a.at > grace || rt?.state !== a.state || rt?.bootAttempt !== a.attempt) asked.delete(h);
    }
    const settings = readSettings(store);
    const ondemand = allOndemand(store);
    const actions = decide({
      sot,
      pools: currentPools(sot, store),
      holds: holdsByHost(store),
      runtime: (id) => store.get('hosts', id),
      free: freePredicate(store),
      now,
      recentlyAsked: (h) => asked.has(h),
      maxConcurrent: opts.maxConcurrent ?? settings.maxConcurrentPerPool,
      ondemand,
    });
    for (const a of actions) {
      if (stopped) return;
      try {
        await act(a, now);
      } catch (e) {
        log.warn('pool action failed', { action: a.do, host: 'hostId' in a ? a.hostId : undefined, error: (e as Error).message });
      }
    }
    await forgetOld(ondemand, now);
    // The clock moved while the actions awaited: time the next look from now, not the pass's start.
    schedule(clock.now());
  }

  async function act(a: Action, now: number): Promise<void> {
    switch (a.do) {
      case 'take': {
        const ok = await store.transact((tx) => {
          // Re-checked inside the transaction: a plan, a cluster, a role or another pool may have taken it since decide().
          if (!freePredicate(store)(a.hostId) || tx.get('allocations', holdId('pool', a.hostId))) return false;
          tx.put('allocations', holdId('pool', a.hostId), { id: holdId('pool', a.hostId), hostId: a.hostId, kind: 'checkout', pool: a.pool, tags: {}, createdAt: now, lifetime: 0 });
          tx.event({ subject: a.hostId, type: 'pool.taken', at: now, data: { pool: a.pool } });
          return true;
        });
        if (ok) await provision(a.hostId, a.workflow, a.pool);
        return;
      }
      case 'provision': {
        const cur = store.get('allocations', holdId('wipe', a.hostId));
        if (cur) {
          await store.transact((tx) => {
            tx.del('allocations', cur.id);
            tx.put('allocations', holdId('pool', a.hostId), { ...cur, id: holdId('pool', a.hostId), createdAt: now });
          });
        }
        await provision(a.hostId, a.workflow, a.pool);
        return;
      }
      case 'reclaim': {
        const cur = [holdId('pool', a.hostId), holdId('checkout', a.hostId)].map((id) => store.get('allocations', id)).find(Boolean);
        if (cur) await store.transact((tx) => returnInTx(tx, cur, now, a.why));
        ask(a.hostId, now);
        // A SoT without a "wipe" workflow makes this throw (logged by the pass): pools need one.
        await deps.orchestrator.requestReclaim(a.hostId);
        log.info('pool host wiped', { host: a.hostId, why: a.why });
        return;
      }
      case 'release': {
        await store.transact((tx) => {
          for (const phase of ['pool', 'wipe'] as const) tx.del('allocations', holdId(phase, a.hostId));
          tx.event({ subject: a.hostId, type: 'pool.released', at: now, data: { why: a.why } });
        });
        log.info('pool host let go', { host: a.hostId, why: a.why });
        return;
      }
      case 'ondemand':
        return handOut(a, now);
      case 'ondemand-status': {
        await store.transact((tx) => {
          const r = readOndemand(tx, a.request);
          if (!r || r.status !== 'pending') return;
          tx.put('meta', ondemandKey(r.id), storedRequest({ ...r, status: a.status, endedAt: now }));
          if (a.status === 'failed') {
            for (const h of Object.values(r.hosts).flat()) {
              const c = tx.get('allocations', holdId('checkout', h));
              if (c) returnInTx(tx, c, now, 'on-demand request timed out');
            }
          }
          tx.event({ subject: 'appliance', type: `pool.ondemand.${a.status}`, at: now, data: { request: r.id } });
        });
      }
    }
  }

  async function handOut(a: Extract<Action, { do: 'ondemand' }>, now: number): Promise<void> {
    const ok = await store.transact((tx) => {
      const r = readOndemand(tx, a.request);
      if (!r || r.status !== 'pending') return false;
      const entry = r.entries.find((e) => e.pool === a.pool && (r.hosts[e.name]?.length ?? 0) < e.count);
      if (!entry) return false;
      const from = tx.get('allocations', holdId('pool', a.hostId));
      if (a.install ? !freePredicate(store)(a.hostId) : !from) return false;
      if (from) tx.del('allocations', from.id);
      tx.put('allocations', holdId('checkout', a.hostId), { id: holdId('checkout', a.hostId), hostId: a.hostId, kind: 'checkout', pool: a.pool, ...(r.owner && { owner: r.owner }), ...(r.tokenHash && { tokenHash: r.tokenHash }), tags: {}, createdAt: now, lifetime: r.lifetime });
      tx.put('meta', ondemandKey(r.id), storedRequest({ ...r, hosts: { ...r.hosts, [entry.name]: [...(r.hosts[entry.name] ?? []), a.hostId] } }));
      tx.event({ subject: a.hostId, type: 'pool.checkout', at: now, data: { pool: a.pool, request: r.id, ...(r.owner && { owner: r.owner }) } });
      return true;
    });
    if (ok && a.install) await provision(a.hostId, a.install, a.pool);
  }

  async function provision(hostId: string, workflow: string, pool: string): Promise<void> {
    ask(hostId, clock.now());
    await deps.orchestrator.requestProvision(hostId, { workflow, reason: `pool ${pool}` });
  }

  async function forgetOld(reqs: ReturnType<typeof allOndemand>, now: number): Promise<void> {
    const old = reqs.filter((r) => r.status !== 'pending' && r.endedAt !== undefined && now - r.endedAt > (opts.keepEndedMs ?? 14 * 86_400_000));
    if (old.length) await store.transact((tx) => old.forEach((r) => tx.del('meta', ondemandKey(r.id))));
  }

  /** The next look: the tick, or sooner when a check-out or a request expires first. */
  function schedule(now: number): void {
    if (stopped) return;
    let next = now + (opts.tickMs ?? 15_000);
    for (const a of store.list('allocations')) if (phaseOf(a) === 'checkout' && a.lifetime > 0) next = Math.min(next, a.createdAt + a.lifetime * 1000);
    for (const r of allOndemand(store)) if (r.status === 'pending') next = Math.min(next, r.createdAt + r.ttl * 1000);
    timer?.cancel();
    timer = clock.setTimeout(() => void kick(), Math.max(0, next - now));
  }

  const coalesced = coalesce(once);
  const kick = () => (running = coalesced().catch((e) => log.error('pool pass failed', { error: (e as Error).message })));

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      // Its own events come back here too; a pass that finds nothing to do writes nothing, so this settles.
      unsubscribe = store.subscribe((events) => {
        if (events.some((e) => e.type === 'pool.restart')) asked.clear();
        void kick();
      });
      deps.sot.on('loaded', kick);
      void kick();
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      unsubscribe?.();
      deps.sot.off('loaded', kick);
      await running;
    },
    async settle() {
      for (let i = 0; i < 100; i++) {
        const r = running;
        await r;
        await new Promise((done) => setImmediate(done));
        if (running === r) return;
      }
    },
  };
}
