// What a host boots: a preview of its rendered iPXE script or unattended file (callback
// secrets masked), and Vaquero's override (move a running host to another boot of its workflow).
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { running, servedHost, servedSot, type ApiDeps } from '../deps.js';
import { hostView } from '../views.js';
import { route, type AnyRoute } from '../http/route.js';
import { Id } from '../http/schemas.js';
import { bootPosition, renderPreview, runningWorkflow } from '../../render/render.js';
import { siteBaseUrl } from '../../render/context.js';

const OverrideInput = z.strictObject({
  host: Id.describe('the host'),
  boot: z.string().min(1).max(253).describe('a boot id of the running workflow, or its position (0-based)'),
  site: Id.optional().describe("the host's site (Vaquero names it; checked when given)"),
});

export function bootRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/v1/hosts/{id}/boot/{kind}',
      family: 'operator',
      access: 'admin',
      tags: ['hosts'],
      summary: "Preview the host's rendered iPXE script or unattended file; callback secrets are masked",
      description: 'Renders what the host would get now: the running workflow\'s current boot, or ?boot=<id|n>. Admin only: unattended files may carry site secrets.',
      params: z.strictObject({ id: Id, kind: z.enum(['ipxe', 'unattended']) }),
      query: z.strictObject({ boot: z.string().max(253).optional().describe('boot id or 0-based position in the workflow') }),
      responses: { 200: { description: 'the file', contentType: 'text/plain' }, 404: { description: 'HOST_NOT_FOUND, or a boot not in the workflow' }, 500: { description: 'TEMPLATE_ERROR' } },
      handler: ({ params, query, res }) => {
        const host = servedHost(deps, params.id);
        const sot = servedSot(deps);
        const rt = deps.store.get('hosts', host.id);
        const workflow = runningWorkflow(sot, host, rt);
        if (!workflow) throw new ApplianceError('NOT_FOUND', `host "${host.id}" has no workflow or role`);
        const bootIndex = query.boot === undefined ? (rt?.bootIndex ?? 0) : bootPosition(workflow, query.boot);
        if (bootIndex === undefined) throw new ApplianceError('NOT_FOUND', `boot "${query.boot}" is not in workflow "${workflow.id}"`);
        const site = sot.sites.find((s) => s.id === host.siteId);
        const base = deps.bootUrl?.() ?? (site && siteBaseUrl(site)) ?? 'http://127.0.0.1:8080';
        const out = renderPreview(sot, { host, workflow, bootIndex }, { base }, params.kind);
        res.status(200).type(out.contentType).send(out.text);
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/v1/override',
      family: 'operator',
      access: 'admin',
      tags: ['host actions'],
      summary: "Vaquero's override: restart a running host's workflow at another boot",
      description: 'Parameters as Vaquero takes them (?site=&host=&boot=) or as a JSON body. Only for a host in a run (provisioning or reclaiming); the new boot starts with PXE-once and a power cycle.',
      query: OverrideInput.partial(),
      body: OverrideInput.partial(),
      bodyOptional: true,
      responses: { 202: { description: 'the host, restarting at that boot' }, 400: { description: 'host or boot missing' }, 404: { description: 'HOST_NOT_FOUND, SITE_NOT_FOUND, or a boot not in the workflow' }, 409: { description: 'the host is not in a run' } },
      handler: async ({ query, body }) => {
        const input = { ...query, ...body };
        if (!input.host || input.boot === undefined) throw new ApplianceError('BAD_REQUEST', 'override needs host and boot (query or body)', { field: input.host ? 'boot' : 'host' });
        const host = servedHost(deps, input.host);
        if (input.site !== undefined && input.site !== host.siteId) throw new ApplianceError('SITE_NOT_FOUND', `host "${host.id}" is not in site "${input.site}"`);
        const lifecycle = running(deps.lifecycle, 'the lifecycle');
        const sot = servedSot(deps);
        const rt = deps.store.get('hosts', host.id);
        if (rt?.state !== 'provisioning' && rt?.state !== 'reclaiming') {
          throw new ApplianceError('CONFLICT', `host "${host.id}" is ${rt?.state ?? 'inactive'}: an override moves a host within a running workflow (provision it first)`);
        }
        const workflow = runningWorkflow(sot, host, rt)!;
        const bootIndex = bootPosition(workflow, input.boot);
        if (bootIndex === undefined) throw new ApplianceError('NOT_FOUND', `boot "${input.boot}" is not in workflow "${workflow.id}"`);
        const after = await lifecycle.report(host.id, { type: 'boot.override', bootIndex, boot: workflow.boots[bootIndex]! }, { by: 'api' });
        return hostView(host, after);
      },
    }),
  ];
}
