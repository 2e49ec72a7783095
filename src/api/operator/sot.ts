// The loaded SoT revision and its problems; a reload on request.
import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { loopbackOnly } from '../guard.js';

export function sotRouter(deps: ApiDeps): Router {
  const r = Router();
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
      last_attempt: st.lastAttempt
        ? { revision: st.lastAttempt.revision, at: new Date(st.lastAttempt.at).toISOString(), ok: st.lastAttempt.ok }
        : null,
    };
  };
  r.get('/sot', (_req, res) => {
    res.json(view());
  });
  r.post('/sot/reload', loopbackOnly, async (_req, res) => {
    const ok = await deps.sot.reload();
    res.status(ok ? 200 : 422).json(view());
  });
  return r;
}
