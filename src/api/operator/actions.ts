// Operator actions on a host: power control through its BMC, and provisioning requests.
// Mutations answer only loopback until API tokens exist.
import { Router } from 'express';
import { ApplianceError } from '../../model/index.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { loopbackOnly } from '../guard.js';
import { hostView } from '../views.js';

const ACTIONS = ['on', 'off', 'soft', 'cycle', 'reset', 'status'] as const;
type Action = (typeof ACTIONS)[number];

export function actionsRouter(deps: ApiDeps): Router {
  const r = Router();
  const hostOf = (id: string) => {
    servedSot(deps);
    const h = deps.sot.index().hostsById.get(id);
    if (!h) throw new ApplianceError('HOST_NOT_FOUND', `host "${id}" not found`);
    return h;
  };
  const need = <T>(v: T | undefined, what: string): T => {
    if (!v) throw new ApplianceError('UNAVAILABLE', `${what} is not running in this appliance`);
    return v;
  };

  r.post('/hosts/:id/power', loopbackOnly, async (req, res) => {
    const host = hostOf(String(req.params.id));
    const action = (req.body as { action?: unknown } | undefined)?.action;
    if (typeof action !== 'string' || !ACTIONS.includes(action as Action)) {
      throw new ApplianceError('BAD_REQUEST', `body must be {"action": one of ${ACTIONS.join(', ')}}`);
    }
    const power = need(deps.power, 'BMC control');
    const lifecycle = need(deps.lifecycle, 'the lifecycle');
    if (action !== 'status') {
      const done = await power.power(host.id, action as Exclude<Action, 'status'>);
      if (done === 'manual') throw new ApplianceError('BMC_UNSUPPORTED', `host "${host.id}" has no BMC Corral can drive (ipmi or redfish)`);
    }
    const state = await power.status(host.id);
    await lifecycle.recordPower(host.id, state, { action, by: 'api' });
    res.json({ host: host.id, action, power: state });
  });

  r.post('/hosts/:id/provision', loopbackOnly, async (req, res) => {
    const host = hostOf(String(req.params.id));
    const orch = need(deps.orchestrator, 'the orchestrator');
    const rt = await orch.requestProvision(host.id);
    const waiting = orch.waiting().get(host.id);
    res.status(202).json({ ...hostView(host, rt), queued: rt?.state !== 'provisioning', waiting_reason: waiting ?? null });
  });
  r.post('/hosts/:id/reclaim', loopbackOnly, async (req, res) => {
    const host = hostOf(String(req.params.id));
    const orch = need(deps.orchestrator, 'the orchestrator');
    const workflow = (req.body as { workflow?: unknown } | undefined)?.workflow;
    if (workflow !== undefined && typeof workflow !== 'string') throw new ApplianceError('BAD_REQUEST', 'workflow must be a string');
    const rt = await orch.requestReclaim(host.id, workflow);
    res.status(202).json(hostView(host, rt));
  });
  return r;
}
