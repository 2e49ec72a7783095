// Platform9 resmgr's role surface (seed 001): roles with their active versions, a host's role
// assigned and removed, a host's state deleted. Assigning a role provisions the host with the
// role version's workflow; removing its last role wipes it back to inactive (src/roles/service.ts
// decides, docs/lifecycle.md "resmgr surface" says where Corral departs from resmgr and why).
//
// Mutations answer 200 with the host, not resmgr's empty body: a resmgr client ignores the body
// and polls GET /v1/hosts/{id} for role_status, which this answer already carries.
import { z } from 'zod';
import type { Role } from '../../model/index.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { discoveredView, hostView } from '../views.js';
import { route, type AnyRoute } from '../http/route.js';
import { AnyJson, Id } from '../http/schemas.js';
import { createRoleService, type HostOutcome, type RoleWithVersion } from '../../roles/service.js';

/** A role as resmgr shows it, with Corral's versions (each names the workflow it provisions). */
export function roleView({ role, active }: RoleWithVersion) {
  return {
    name: role.name,
    display_name: role.displayName,
    description: role.description,
    active_version: active.version,
    active_version_source: active.source,
    versions: role.versions.map((v) => ({ version: v.version, workflow: v.workflow, description: v.description ?? null })),
    default_settings: role.defaultSettings,
    customizable_settings: role.customizableSettings,
  };
}

const outcomeView = (o: HostOutcome) => (o.host ? hostView(o.host, o.rt) : discoveredView(o.rt));

const RoleParams = z.strictObject({ name: Id });
const HostRoleParams = z.strictObject({ id: Id, role: Id });

export function rolesRoutes(deps: ApiDeps): AnyRoute[] {
  const roles = createRoleService({ sot: deps.sot, served: () => servedSot(deps), store: deps.store, clock: deps.clock, orchestrator: deps.orchestrator });
  const byName = (a: Role, b: Role) => a.name.localeCompare(b.name);
  const write = { family: 'operator', access: 'admin', tags: ['resmgr'] } as const;
  return [
    route({
      method: 'get',
      path: '/v1/roles',
      family: 'operator',
      access: 'read',
      tags: ['resmgr'],
      summary: 'Roles with their active version and versions',
      responses: { 200: { description: '[{name, display_name, description, active_version, active_version_source, versions, default_settings, customizable_settings}]' } },
      handler: () =>
        roles
          .list()
          .sort((a, b) => byName(a.role, b.role))
          .map(roleView),
    }),
    route({
      method: 'get',
      path: '/v1/roles/{name}',
      family: 'operator',
      access: 'read',
      tags: ['resmgr'],
      summary: 'One role',
      params: RoleParams,
      responses: { 200: { description: 'the role' }, 404: { description: 'ROLE_NOT_FOUND' } },
      handler: ({ params }) => roleView(roles.get(params.name)),
    }),
    route({
      ...write,
      method: 'put',
      path: '/v1/roles/{name}',
      summary: "Set the role's active version",
      description:
        'Hosts given the role from now on get this version; hosts that have it keep theirs until the role is put on them again (seed 001). ' +
        "Kept in the store across restarts; it wins over the SoT's active_version until the SoT changes its own. Choosing the SoT's version drops the override.",
      params: RoleParams,
      body: z.strictObject({ active_version: z.string().min(1).max(253).describe('one of the role\'s versions') }),
      responses: { 200: { description: 'the role' }, 400: { description: 'the role has no such version' }, 404: { description: 'ROLE_NOT_FOUND' } },
      handler: async ({ params, body, auth }) => roleView(await roles.setActiveVersion(params.name, body.active_version, auth?.user)),
    }),
    route({
      ...write,
      method: 'put',
      path: '/v1/hosts/{id}/roles/{role}',
      summary: "Give the host a role: provision it with the role's active version",
      description:
        "Absent on the host: assigned, and the host is provisioned with the active version's workflow. Present at the active version and installed: nothing is done. " +
        'Present at another version: the host is re-provisioned with the active one. The body, if any, is a JSON object of custom settings, a subset of the ' +
        "role's customizable_settings, merged over the host's previous ones. Answers with the host; poll its role_status.",
      params: HostRoleParams,
      body: AnyJson.describe('custom settings (keys of the role\'s customizable_settings)'),
      bodyOptional: true,
      responses: {
        200: { description: 'the host (role_status converging while it is provisioned)' },
        400: { description: 'a setting the role does not make customizable, or of the wrong type' },
        404: { description: 'HOST_NOT_FOUND or ROLE_NOT_FOUND' },
        409: { description: 'RoleUpdateConflict: the host is in a run or in maintenance, holds another role, or the SoT decides what it runs' },
      },
      handler: async ({ params, body, auth }) => outcomeView(await roles.assign(params.id, params.role, body, auth?.user)),
    }),
    route({
      ...write,
      method: 'delete',
      path: '/v1/hosts/{id}/roles/{role}',
      summary: 'Take the role off the host; without a role it is wiped back to inactive',
      description: 'A role the host does not have is answered 200 with nothing done, as resmgr does. An installed or failed host is wiped (the "wipe" workflow); one never installed is only forgotten.',
      params: HostRoleParams,
      responses: {
        200: { description: 'the host' },
        404: { description: 'HOST_NOT_FOUND' },
        409: { description: 'RoleUpdateConflict: the host is in a run or in maintenance, the role is declared in the SoT, or there is no wipe workflow' },
      },
      handler: async ({ params, auth }) => outcomeView(await roles.remove(params.id, params.role, auth?.user)),
    }),
    route({
      ...write,
      method: 'delete',
      path: '/v1/hosts/{id}',
      summary: "Delete the host's state: take its role off and wipe it back to inactive",
      description: "For a host with a role or an active one (seed 001); an inactive host is left as it is (200). The SoT's declaration of the host stays.",
      params: z.strictObject({ id: Id }),
      responses: { 200: { description: 'the host' }, 404: { description: 'HOST_NOT_FOUND' }, 409: { description: 'RoleUpdateConflict: in a run or in maintenance, or no wipe workflow' } },
      handler: async ({ params, auth }) => outcomeView(await roles.deleteHost(params.id, auth?.user)),
    }),
  ];
}
