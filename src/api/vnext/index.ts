// The vNext user plane (seed 002): server types, servers and their tasks. One task tracker per
// API (src/servers/tracker.ts) owns every task state change.
import { servedSot, type ApiDeps } from '../deps.js';
import type { AnyRoute } from '../http/route.js';
import { workerSolver } from '../../plans/run-solver.js';
import { createTaskTracker } from '../../servers/tracker.js';
import { createServerService } from '../../servers/service.js';
import { createServerActions } from '../../servers/actions.js';
import { serverTypeRoutes } from './server-types.js';
import { serverRoutes } from './servers.js';
import { taskRoutes } from './tasks.js';

export function vnextRoutes(deps: ApiDeps): AnyRoute[] {
  const log = deps.log.child({ component: 'servers' });
  const tracker = createTaskTracker({
    store: deps.store,
    clock: deps.clock,
    log,
    reclaim: async (hostId) => {
      if (!deps.orchestrator) throw new Error('no orchestrator');
      return deps.orchestrator.requestReclaim(hostId, 'wipe');
    },
  });
  const sdeps = { store: deps.store, clock: deps.clock, log, served: () => servedSot(deps), solver: workerSolver, tracker, orchestrator: deps.orchestrator, power: deps.power, lifecycle: deps.lifecycle };
  const servers = createServerService(sdeps);
  const actions = createServerActions(sdeps);
  return [...serverTypeRoutes(deps), ...serverRoutes(deps, servers), ...taskRoutes(servers, actions)];
}
