// Vaquero's cluster request (seed 000): `POST /v1/cluster {hosts, min_memory, min_disk, workflow}`
// asks for N machines without knowing the inventory. Corral answers it with the planner: N
// demands over the free hosts that meet the sizes (optionally in one site, with labels, spread
// over racks/clusters/sites), solved exactly; the chosen hosts are held and provisioned with
// the workflow. The cluster is kept as a plan (it is one: GET /v1/plans shows it) holding its
// hosts; its status follows the hosts' lifecycle to active.
import { randomUUID } from 'node:crypto';
import { ApplianceError, type HostRuntime, type Plan, type Sot } from '../model/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Store } from '../store/store.js';
import type { Orchestrator } from '../lifecycle/orchestrator.js';
import { inventoryFrom } from '../planner/inventory.js';
import type { Constraint, Problem } from '../planner/types.js';
import type { SolverRunner } from './run-solver.js';
import { holdHosts, releaseHolds } from './holds.js';
import { placeablePredicate } from './placeable.js';

export interface ClusterRequest {
  hosts: number;
  /** Bytes. */
  minMemory?: number | undefined;
  /** Bytes (all the host's disks together). */
  minDisk?: number | undefined;
  workflow: string;
  site?: string | undefined;
  labels?: Record<string, string> | undefined;
  /** Spread the hosts: no two in one rack / cluster / site. */
  antiAffinity?: 'rack' | 'cluster' | 'site' | undefined;
  name?: string | undefined;
}

export type ClusterStatus = 'provisioning' | 'active' | 'failed';

export interface ClusterView {
  id: string;
  name: string;
  status: ClusterStatus;
  workflow: string;
  hosts: { id: string; state: string; stage: string | null }[];
  created_at: string;
  plan: string;
}

export interface ClusterDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  served: () => Sot;
  solver: SolverRunner;
  orchestrator?: Orchestrator | undefined;
}

const ZONE_ATTRIBUTE = { rack: 'site_rack', cluster: 'site_cluster', site: 'site' } as const;

/** The request as a planner problem: N interchangeable demands over the free, fitting hosts. */
export function clusterProblem(sot: Sot, free: (hostId: string) => boolean, req: ClusterRequest): Problem {
  const hosts = sot.hosts.filter((h) => (!req.site || h.siteId === req.site) && Object.entries(req.labels ?? {}).every(([k, v]) => h.labels[k] === v));
  const ids = new Set(hosts.map((h) => h.id));
  const candidates = (inventoryFrom(sot, { isFree: free }).candidates('host') ?? []).filter((c) => ids.has(c.id));
  const demands = Array.from({ length: req.hosts }, (_, i) => ({ name: `node-${i + 1}`, candidates }));
  const names = demands.map((d) => d.name);
  const constraints: Constraint[] = [];
  if (req.minMemory !== undefined) constraints.push({ kind: 'threshold', name: 'min_memory', demands: names, attribute: 'memory', op: 'gte', value: req.minMemory });
  if (req.minDisk !== undefined) constraints.push({ kind: 'threshold', name: 'min_disk', demands: names, attribute: 'disk', op: 'gte', value: req.minDisk });
  if (req.antiAffinity && req.hosts > 1) constraints.push({ kind: 'zone', name: `anti_affinity (${req.antiAffinity})`, demands: names, qualifier: 'different', attribute: ZONE_ATTRIBUTE[req.antiAffinity] });
  // Smallest sufficient machines first: leave the big ones for requests that need them.
  const objective = { goal: 'minimize' as const, terms: names.flatMap((d) => [{ kind: 'attribute' as const, demand: d, attribute: 'memory', weight: 1 / 2 ** 30 }, { kind: 'attribute' as const, demand: d, attribute: 'disk', weight: 1 / 2 ** 40 }]) };
  return { demands, constraints, objective };
}

export function clusterStatus(rts: (HostRuntime | undefined)[]): ClusterStatus {
  if (rts.some((r) => r?.state === 'failed')) return 'failed';
  return rts.every((r) => r?.state === 'active') ? 'active' : 'provisioning';
}

export function createClusterService(deps: ClusterDeps) {
  function view(p: Plan): ClusterView {
    const held = p.held ?? [];
    const rts = held.map((h) => deps.store.get('hosts', h));
    return {
      id: p.id,
      name: p.name,
      status: clusterStatus(rts),
      workflow: (p.template as { workflow: string }).workflow,
      hosts: held.map((h, i) => ({ id: h, state: rts[i]?.state ?? 'inactive', stage: rts[i]?.stage ?? null })),
      created_at: new Date(p.createdAt).toISOString(),
      plan: p.id,
    };
  }

  const isCluster = (p: Plan | undefined): p is Plan => p !== undefined && (p.template as { kind?: string } | null)?.kind === 'cluster';

  return {
    async create(req: ClusterRequest, owner?: string): Promise<ClusterView> {
      const sot = deps.served();
      if (!sot.workflows.some((w) => w.id === req.workflow)) throw new ApplianceError('BAD_REQUEST', `workflow "${req.workflow}" is not defined in the SoT`);
      if (req.site && !sot.sites.some((s) => s.id === req.site)) throw new ApplianceError('SITE_NOT_FOUND', `site "${req.site}" not found`);
      const problem = clusterProblem(sot, placeablePredicate(sot, deps.store), req);
      const result = await deps.solver(problem, { limit: 1, timeoutMs: 10_000 });
      if (result.status === 'not found') throw new ApplianceError('CONFLICT', `cannot place ${req.hosts} host(s): ${fitReason(problem, result.reason.message)}`, { reason: result.reason.message });
      const hosts = problem.demands.map((d) => result.solutions[0]!.assignment[d.name]!);
      const id = randomUUID();
      const now = deps.clock.now();
      const plan: Plan = {
        id,
        name: req.name ?? `cluster-${id.slice(0, 8)}`,
        status: 'done',
        createdAt: now,
        updatedAt: now,
        template: { kind: 'cluster', ...requestJson(req) },
        limit: 1,
        timeoutMs: 10_000,
        reserve: true,
        recommendations: [Object.fromEntries(problem.demands.map((d, i) => [d.name, { candidate: { candidate_id: hosts[i], inventory_type: 'host' } }]))],
        proven: result.proven,
        held: hosts,
        ...(owner && { owner }),
      };
      // Holding checks the hosts are still free in the same transaction that takes them.
      await deps.store.transact((tx) => {
        if (deps.store.list('plans').some((p) => p.name === plan.name)) throw new ApplianceError('CONFLICT', `a plan or cluster named ${plan.name} already exists`);
        holdHosts(tx, deps.store, { kind: 'cluster', planId: id, owner }, hosts, now);
        tx.put('plans', id, plan);
        tx.event({ subject: `plan:${id}`, type: 'cluster.created', data: { name: plan.name, hosts, workflow: req.workflow, ...(owner && { by: owner }) } });
      });
      for (const h of hosts) {
        try {
          await deps.orchestrator?.requestProvision(h, { workflow: req.workflow, reason: `cluster ${plan.name}` });
        } catch (e) {
          deps.log.warn('cluster host did not start provisioning', { cluster: id, host: h, error: (e as Error).message });
        }
      }
      return view(plan);
    },
    get(id: string): ClusterView {
      const p = deps.store.get('plans', id);
      if (!isCluster(p)) throw new ApplianceError('NOT_FOUND', `cluster ${id} not found`);
      return view(p);
    },
    list(): ClusterView[] {
      return deps.store
        .list('plans')
        .filter(isCluster)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(view);
    },
    /** Releases the hosts (they keep what they run) and forgets the cluster. */
    async remove(id: string): Promise<void> {
      await deps.store.transact((tx) => {
        const p = tx.get('plans', id);
        if (!isCluster(p)) throw new ApplianceError('NOT_FOUND', `cluster ${id} not found`);
        const released = releaseHolds(tx, deps.store, id);
        tx.del('plans', id);
        tx.event({ subject: `plan:${id}`, type: 'cluster.deleted', data: { name: p.name, released } });
      });
    },
  };
}

export type ClusterService = ReturnType<typeof createClusterService>;

function requestJson(r: ClusterRequest) {
  return {
    hosts: r.hosts,
    workflow: r.workflow,
    ...(r.minMemory !== undefined && { min_memory: r.minMemory }),
    ...(r.minDisk !== undefined && { min_disk: r.minDisk }),
    ...(r.site && { site: r.site }),
    ...(r.labels && { labels: r.labels }),
    ...(r.antiAffinity && { anti_affinity: r.antiAffinity }),
  };
}

/** "only 1 free host meets min_memory and min_disk (2 wanted)" when that is why; else the solver's reason. */
function fitReason(problem: Problem, solverReason: string): string {
  const d = problem.demands[0];
  if (!d) return solverReason;
  const th = problem.constraints.filter((c): c is Extract<Constraint, { kind: 'threshold' }> => c.kind === 'threshold');
  const fit = d.candidates.filter((c) => th.every((t) => typeof c.attributes[t.attribute] === 'number' && (c.attributes[t.attribute] as number) >= t.value));
  if (fit.length < problem.demands.length) {
    const what = th.length ? ` meet ${th.map((t) => t.name).join(' and ')}` : '';
    return `only ${fit.length} free host(s)${what} (${problem.demands.length} wanted)`;
  }
  return solverReason;
}
