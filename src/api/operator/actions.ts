// Operator actions on a host: power control through its BMC, provisioning and reclaim requests.
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { running, servedHost, type ApiDeps } from '../deps.js';
import { hostView } from '../views.js';
import { route, type AnyRoute } from '../http/route.js';
import { Id } from '../http/schemas.js';

const ACTIONS = ['on', 'off', 'soft', 'cycle', 'reset', 'status'] as const;
const HostParams = z.strictObject({ id: Id });

export function actionsRoutes(deps: ApiDeps): AnyRoute[] {
  const common = { family: 'operator', access: 'admin', tags: ['host actions'], params: HostParams } as const;
  return [
    route({
      ...common,
      method: 'post',
      path: '/v1/hosts/{id}/power',
      summary: 'BMC power control',
      body: z.strictObject({ action: z.enum(ACTIONS).describe('on, off, soft (ACPI), cycle, reset, or status (read only)') }),
      responses: { 200: { description: '{host, action, power}' }, 404: { description: 'HOST_NOT_FOUND' }, 501: { description: 'no BMC Corral can drive' }, 502: { description: 'BMC unreachable or refused the credentials' }, 504: { description: 'BMC timeout' } },
      handler: async ({ params, body, auth }) => {
        const host = servedHost(deps, params.id);
        const power = running(deps.power, 'BMC control');
        const lifecycle = running(deps.lifecycle, 'the lifecycle');
        if (body.action !== 'status') {
          const done = await power.power(host.id, body.action);
          if (done === 'manual') throw new ApplianceError('BMC_UNSUPPORTED', `host "${host.id}" has no BMC Corral can drive (ipmi or redfish)`);
        }
        const state = await power.status(host.id);
        await lifecycle.recordPower(host.id, state, { action: body.action, by: auth?.user ?? 'api' });
        return { host: host.id, action: body.action, power: state };
      },
    }),
    route({
      ...common,
      method: 'post',
      path: '/v1/hosts/{id}/provision',
      summary: "Queue the host for provisioning with its workflow (or its role's)",
      body: z.strictObject({}),
      bodyOptional: true,
      responses: { 202: { description: 'the host, with queued and waiting_reason' }, 404: { description: 'HOST_NOT_FOUND' }, 409: { description: 'busy (provisioning, reclaiming) or in maintenance' } },
      handler: async ({ params }) => {
        const host = servedHost(deps, params.id);
        const orch = running(deps.orchestrator, 'the orchestrator');
        const rt = await orch.requestProvision(host.id);
        const waiting = orch.waiting().get(host.id);
        return { ...hostView(host, rt), queued: rt?.state !== 'provisioning', waiting_reason: waiting ?? null };
      },
    }),
    route({
      ...common,
      method: 'post',
      path: '/v1/hosts/{id}/reclaim',
      summary: 'Wipe the host by booting a wipe workflow; it ends inactive',
      body: z.strictObject({ workflow: z.string().max(253).optional().describe('the wipe workflow (default "wipe")') }),
      bodyOptional: true,
      responses: { 202: { description: 'the host' }, 404: { description: 'HOST_NOT_FOUND' }, 409: { description: 'busy or in maintenance' } },
      handler: async ({ params, body }) => {
        const host = servedHost(deps, params.id);
        const orch = running(deps.orchestrator, 'the orchestrator');
        const rt = await orch.requestReclaim(host.id, body.workflow);
        return hostView(host, rt);
      },
    }),
  ];
}
