// Where a new server (or a MOVE) goes: the planner picks one machine among those that may be
// allocated now, as Vaquero's cluster request does (src/plans/cluster.ts clusterProblem: the
// smallest that fits). A server type narrows the candidates to its hardware class; sizes make
// threshold constraints.
import { ApplianceError, type Sot } from '../model/index.js';
import type { Store } from '../store/store.js';
import { clusterProblem } from '../plans/cluster.js';
import { placeablePredicate } from '../plans/placeable.js';
import type { SolverRunner } from '../plans/run-solver.js';
import { serverTypeId } from './server-types.js';

export interface PlaceRequest {
  serverType?: string | undefined;
  /** Bytes. */
  minMemory?: number | undefined;
  minDisk?: number | undefined;
  workflow: string;
  /** Hosts never to pick (a MOVE's own host). */
  exclude?: readonly string[];
}

/** The host the planner picks for one server, or CONFLICT (409) saying why none fits. */
export async function placeOne(sot: Sot, store: Pick<Store, 'list' | 'get'>, solver: SolverRunner, req: PlaceRequest): Promise<string> {
  const placeable = placeablePredicate(sot, store);
  const typeOf = new Map(sot.hosts.map((h) => [h.id, serverTypeId(h)]));
  const exclude = new Set(req.exclude ?? []);
  const fits = (h: string) => placeable(h) && !exclude.has(h) && (req.serverType === undefined || typeOf.get(h) === req.serverType);
  const problem = clusterProblem(sot, fits, { hosts: 1, minMemory: req.minMemory, minDisk: req.minDisk, workflow: req.workflow });
  const result = await solver(problem, { limit: 1, timeoutMs: 5_000 });
  if (result.status === 'not found' || !result.solutions[0]) {
    const sized = req.minMemory !== undefined || req.minDisk !== undefined;
    const what = [req.serverType && `of server type ${req.serverType}`, sized && 'meeting min_memory/min_disk'].filter(Boolean).join(' ');
    const why = `no free machine${what ? ` ${what}` : ''}`;
    throw new ApplianceError('CONFLICT', `cannot place the server: ${why} (free machines are those not held, in an on-demand site, not in a run or maintenance)`, { reason: why });
  }
  return result.solutions[0].assignment[problem.demands[0]!.name]!;
}
