// The pool manager's decisions, as a pure function of what it sees (STYLE: decisions apart from
// IO): keep each pool at `size` ready hosts with at most `maxConcurrent` installs at once, wipe
// what comes back, let go of what fails, expire check-outs, fill on-demand requests
// (vmpooler's pool_manager.rb _check_pool / repopulate / process_ondemand_requests, seed 003 and
// docs/research seed-apis.md §1.2). manager.ts carries the actions out.
import type { Allocation, Host, HostRuntime, Sot } from '../model/index.js';
import { inPool, phaseOf, vmState, type EffectivePool } from './model.js';
import type { OndemandRequest } from './ondemand.js';

export type Action =
  /** Hold a free host for the pool and install it. */
  | { do: 'take'; pool: string; hostId: string; workflow: string }
  /** Install a host the pool holds (wiped, or taken and not yet started). */
  | { do: 'provision'; pool: string; hostId: string; workflow: string }
  /** Wipe a host the pool holds (returned, expired, stale template, reset, excess). */
  | { do: 'reclaim'; hostId: string; why: string }
  /** Let a host go: failed (left for an operator), wiped and not needed, or its pool is gone. */
  | { do: 'release'; hostId: string; why: string }
  /** Hand a host to an on-demand request: a ready one as it is, or a free one to install. */
  | { do: 'ondemand'; request: string; pool: string; hostId: string; install?: string }
  | { do: 'ondemand-status'; request: string; status: 'ready' | 'failed' };

export interface DecideInput {
  sot: Sot;
  pools: EffectivePool[];
  /** Every allocation, by host (any holder). */
  holds: ReadonlyMap<string, Allocation>;
  runtime: (hostId: string) => HostRuntime | undefined;
  /** Free to take (nothing holds it, no API role): holds.ts freePredicate. */
  free: (hostId: string) => boolean;
  now: number;
  /** Hosts the manager asked the orchestrator about lately (install or wipe not visible yet). */
  recentlyAsked: (hostId: string) => boolean;
  maxConcurrent: number;
  ondemand: OndemandRequest[];
}

export function decide(input: DecideInput): Action[] {
  const { sot, holds, runtime, now } = input;
  const out: Action[] = [];
  const used = new Set<string>();
  const byPool = new Map<string, Allocation[]>();
  for (const a of holds.values()) if (phaseOf(a)) (byPool.get(a.pool!) ?? byPool.set(a.pool!, []).get(a.pool!)!).push(a);
  const known = new Set(input.pools.map((p) => p.pool.name));
  // Holds of pools no longer in the SoT drain as a pool of size 0 would.
  const gone: EffectivePool[] = [...byPool.keys()].filter((n) => !known.has(n)).map((n) => ({ pool: { name: n, aliases: [], size: 0, selector: { sites: [], clusters: [], hosts: [], labels: {} }, defaultLifetime: 0, maxLifetime: 0, source: { file: '', line: 1, col: 1 } }, size: 0, workflow: undefined, resetAt: 0 }));
  const candidates = (p: EffectivePool) => sot.hosts.filter((h: Host) => !used.has(h.id) && input.free(h.id) && runtime(h.id)?.state === 'inactive' && inPool(sot, p.pool, h));
  const odFor = (pool: string) => input.ondemand.filter((r) => r.status === 'pending' && r.entries.some((e) => e.pool === pool));

  for (const p of [...input.pools, ...gone]) {
    const held = byPool.get(p.pool.name) ?? [];
    const wf = p.workflow;
    let ready = 0;
    let pending = 0;
    let inflight = 0;
    const readyHosts: string[] = [];
    const toInstall: string[] = [];
    const wiped: string[] = [];
    for (const a of held) {
      const rt = runtime(a.hostId);
      const asked = input.recentlyAsked(a.hostId);
      const phase = phaseOf(a)!;
      if (phase === 'checkout') {
        if (a.lifetime > 0 && now >= a.createdAt + a.lifetime * 1000) out.push({ do: 'reclaim', hostId: a.hostId, why: 'lifetime expired' });
        else if (rt?.state === 'provisioning') inflight++;
        else if (rt?.state === 'inactive' && wf) {
          // An on-demand host not installed yet.
          if (asked) inflight++;
          else toInstall.push(a.hostId);
        }
        continue;
      }
      if (phase === 'wipe') {
        if (rt?.state === 'failed' || rt?.state === 'maintenance') out.push({ do: 'release', hostId: a.hostId, why: `wipe ${rt.state}: left for an operator` });
        else if (rt?.state === 'inactive') wiped.push(a.hostId);
        else if (rt?.state !== 'reclaiming' && !asked) out.push({ do: 'reclaim', hostId: a.hostId, why: 'returned' });
        continue;
      }
      const s = vmState(a, rt, p);
      if (s === 'failed') out.push({ do: 'release', hostId: a.hostId, why: `install ${rt?.state ?? 'failed'}: left for an operator` });
      else if (s === 'ready') {
        ready++;
        readyHosts.push(a.hostId);
      } else if (s === 'completed') {
        if (rt?.state !== 'reclaiming' && !asked) out.push({ do: 'reclaim', hostId: a.hostId, why: rt?.workflow !== wf ? 'template changed' : 'pool reset' });
      } else if (rt?.state === 'provisioning' || asked) {
        pending++;
        inflight++;
      } else toInstall.push(a.hostId);
    }
    // On-demand requests take ready hosts first (a bare-metal install is slow), then free ones.
    for (const r of odFor(p.pool.name)) {
      for (const e of r.entries.filter((x) => x.pool === p.pool.name)) {
        let missing = e.count - (r.hosts[e.name]?.filter((h) => holds.get(h)?.pool === p.pool.name).length ?? 0);
        while (missing > 0 && readyHosts.length) {
          const h = readyHosts.shift()!;
          ready--;
          used.add(h);
          out.push({ do: 'ondemand', request: r.id, pool: p.pool.name, hostId: h });
          missing--;
        }
        if (!wf) continue;
        for (const h of candidates(p)) {
          if (missing <= 0 || inflight >= input.maxConcurrent) break;
          used.add(h.id);
          inflight++;
          out.push({ do: 'ondemand', request: r.id, pool: p.pool.name, hostId: h.id, install: wf });
          missing--;
        }
      }
    }
    // Installs of held hosts, while the pool needs them and the bound allows.
    const installs = [...toInstall.map((h) => ({ h, counted: true })), ...wiped.map((h) => ({ h, counted: false }))];
    for (const { h, counted } of installs) {
      const isCheckout = phaseOf(holds.get(h)!) === 'checkout';
      const needed = isCheckout || ready + pending < p.size;
      if (needed && wf && inflight < input.maxConcurrent) {
        out.push({ do: 'provision', pool: p.pool.name, hostId: h, workflow: wf });
        inflight++;
        if (!isCheckout) pending++;
      } else if (!needed || !wf) out.push({ do: 'release', hostId: h, why: counted ? 'not needed' : 'wiped, not needed' });
      else if (counted) pending++;
    }
    // Too many: wipe excess ready hosts (vmpooler removes excess ready VMs).
    for (let extra = ready + pending - p.size; extra > 0 && readyHosts.length; extra--) {
      out.push({ do: 'reclaim', hostId: readyHosts.pop()!, why: 'pool size lowered' });
      ready--;
    }
    if (!wf) continue;
    for (const h of candidates(p)) {
      if (ready + pending >= p.size || inflight >= input.maxConcurrent) break;
      used.add(h.id);
      out.push({ do: 'take', pool: p.pool.name, hostId: h.id, workflow: wf });
      pending++;
      inflight++;
    }
  }

  for (const r of input.ondemand) {
    if (r.status !== 'pending') continue;
    const mine = Object.values(r.hosts).flat();
    const complete = r.entries.every((e) => (r.hosts[e.name]?.length ?? 0) >= e.count);
    const poolOf = new Map(input.pools.map((p) => [p.pool.name, p]));
    const allReady = mine.every((h) => {
      const rt = runtime(h);
      const a = holds.get(h);
      return a && rt?.state === 'active' && rt.workflow === poolOf.get(a.pool!)?.workflow;
    });
    if (complete && allReady) out.push({ do: 'ondemand-status', request: r.id, status: 'ready' });
    else if (now >= r.createdAt + r.ttl * 1000) out.push({ do: 'ondemand-status', request: r.id, status: 'failed' });
  }
  return out;
}
