// JSON views of servers, server types and tasks as vNext shapes them (seed 002), built field by
// field. Pure: records in, JSON out.
import type { Allocation, Host, HostRuntime, Task } from '../model/index.js';
import type { ServerType } from './server-types.js';
import { diskBytesOf } from './server-types.js';

const MIB = 2 ** 20;
const GB = 2 ** 30;
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** vNext power_state; UNKNOWN (not in vNext) when no BMC answered yet. */
export function powerState(rt: HostRuntime | undefined): 'RUNNING' | 'SHUTDOWN' | 'UNKNOWN' {
  if (rt?.power === 'on') return 'RUNNING';
  if (rt?.power === 'off') return 'SHUTDOWN';
  return 'UNKNOWN';
}

/** vNext virt_state from the machine's lifecycle and the task in progress. */
export function virtState(rt: HostRuntime | undefined, running: Task | undefined): string {
  if (running?.action === 'TERMINATE') return 'TERMINATED';
  switch (rt?.state) {
    case 'provisioning':
      return 'BUILDING';
    case 'active':
      return rt.power === 'off' ? 'STOPPED' : 'ACTIVE';
    case 'failed':
    case 'maintenance':
      return 'ERROR';
    case 'reclaiming':
      return 'BUILDING';
    default:
      // Queued for its first run (BUILDING), or a machine that was never installed.
      return running ? 'BUILDING' : 'STOPPED';
  }
}

/** Tags are kept as a map (seed-apis §6); vNext shows a list: "key=value", or "key" alone. */
export const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([k, v]) => (v === '' ? k : `${k}=${v}`));
export function tagMap(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list) {
    const i = t.indexOf('=');
    if (i < 0) out[t] = '';
    else out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

export function specOf(h: Host | undefined) {
  return {
    cpu_units: h?.hardware.cpuCores ?? null,
    memory_mb: h?.hardware.memoryBytes !== undefined ? Math.round(h.hardware.memoryBytes / MIB) : null,
    root_disk_gb: h ? Math.round(diskBytesOf(h) / GB) : null,
  };
}

export interface ServerParts {
  alloc: Allocation;
  host: Host | undefined;
  rt: HostRuntime | undefined;
  running: Task | undefined;
  /** Admins see which machine carries it (vNext's `_elevated`). */
  elevated: boolean;
}

export function serverView({ alloc: a, host, rt, running, elevated }: ServerParts) {
  const id = a.serverId!;
  const access = host?.interfaces.find((i) => !i.bmc && (i.ipv4 || i.ipv6));
  return {
    id,
    name: a.name ?? id,
    hostname: a.name ?? id,
    project_id: a.project ?? null,
    launched_by: a.owner ?? null,
    launched_at: iso(a.createdAt),
    server_type_id: a.serverTypeId ?? null,
    image: a.workflow ?? null,
    spec: specOf(host),
    networking: { access: { ip4: access?.ipv4 ?? null, ip6: access?.ipv6 ?? null } },
    tags: tagList(a.tags),
    properties: a.properties ?? {},
    power_state: powerState(rt),
    virt_state: virtState(rt, running),
    lifecycle_state: rt?.state ?? 'inactive',
    task: running ? { id: running.id, action: running.action } : null,
    ...(elevated && { _elevated: { host: a.hostId, last_error: rt?.lastError ?? null } }),
    _links: {
      self: { href: `/v1/servers/${id}` },
      tasks: { href: `/v1/servers/${id}/tasks` },
      console_log: { href: `/v1/servers/${id}/console_log` },
    },
  };
}

export function taskView(t: Task) {
  return {
    id: t.id,
    action: t.action,
    server_id: t.subject,
    state: t.state,
    created_at: iso(t.createdAt),
    created_by: t.createdBy ?? null,
    ended_at: iso(t.endedAt),
    deadline: t.state === 'RUNNING' ? iso(t.deadline) : null,
    message: t.message ?? null,
    image: t.workflow ?? null,
    items: (t.items ?? []).map((it, i) => ({ id: `${t.id}.${i + 1}`, task_id: t.id, action: it.action, state: it.state, started_at: iso(it.startedAt), ended_at: iso(it.endedAt) })),
    _links: { self: { href: `/v1/server_tasks/${t.id}` }, server: { href: `/v1/servers/${t.subject}` } },
  };
}

export function serverTypeView(t: ServerType) {
  return {
    id: t.id,
    name: t.id,
    spec: { cpu_units: t.cpuCores, memory_mb: Math.round(t.memoryBytes / MIB), root_disk_gb: Math.round(t.diskBytes / GB) },
    arch: t.arch,
    gpus: t.gpus,
    visibility: 'PUBLIC' as const,
    hosts: t.hosts.length,
    free: t.free,
    sites: t.sites,
    pools: t.pools,
    _links: { self: { href: `/v1/server_types/${t.id}` } },
  };
}
