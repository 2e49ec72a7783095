// The loaded SoT revision and its problems; a reload on request.
import { ApplianceError } from '../../model/index.js';
import { route, type AnyRoute } from '../http/route.js';
import type { ApiDeps } from '../deps.js';

export function sotRoutes(deps: ApiDeps): AnyRoute[] {
  const view = () => {
    const st = deps.sot.status();
    const sot = deps.sot.current();
    return {
      root: sot?.root ?? null,
      revision: st.revision ?? null,
      loaded_at: st.loadedAt ? new Date(st.loadedAt).toISOString() : null,
      serving: st.revision !== undefined,
      from_last_good: st.fromLastGood ?? false,
      counts: sot
        ? { sites: sot.sites.length, clusters: sot.clusters.length, hosts: sot.hosts.length, oses: sot.oses.length, boots: sot.boots.length, workflows: sot.workflows.length, roles: sot.roles.length, pools: sot.pools.length, assets: sot.assets.length }
        : null,
      // Problems of the last load attempt: errors there mean the served revision is older.
      problems: st.lastAttempt?.problems ?? [],
      // SoT settings the running boot services follow only after a restart (src/boot/restart-fields.ts).
      restart_needed: st.restartNeeded ?? [],
      last_attempt: st.lastAttempt ? { revision: st.lastAttempt.revision, at: new Date(st.lastAttempt.at).toISOString(), ok: st.lastAttempt.ok } : null,
    };
  };
  return [
    route({ method: 'get', path: '/v1/sot', family: 'operator', access: 'read', tags: ['sot'], summary: 'The served SoT revision, counts, and the problems of the last load attempt', responses: { 200: { description: 'SoT status' } }, handler: view }),
    route({
      method: 'post',
      path: '/v1/sot/reload',
      family: 'operator',
      access: 'admin',
      tags: ['sot'],
      summary: 'Reload the SoT now (a reload with errors keeps the last good SoT serving)',
      responses: { 200: { description: 'reloaded: the SoT status' }, 422: { description: 'SOT_INVALID: the folder has errors (details.problems as file:line); the previous revision keeps serving' } },
      handler: async () => {
        if (await deps.sot.reload()) return view();
        const v = view();
        const errors = v.problems.filter((p) => p.severity === 'error');
        throw new ApplianceError('SOT_INVALID', `the SoT has ${errors.length} error(s); ${v.revision ? `revision ${v.revision} keeps serving` : 'nothing is served yet'}`, { revision: v.revision, problems: errors });
      },
    }),
  ];
}
