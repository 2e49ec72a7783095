// vNext server types (seed 002: `GET /server_types`, a flavor's `spec` {cpu_units, memory_mb,
// root_disk_gb}) derived from the inventory instead of declared: on bare metal a "flavor" is a
// hardware class, the machines that share the same facts. Hosts whose facts are not all known
// (no cpu cores or memory in the SoT) belong to no type: they cannot be asked for by type.
//
// Pure: the SoT and a "may this host be placed now" predicate in, types out.
import type { Host, Sot } from '../model/index.js';
import { selectorMatches } from '../sot/selector.js';

const GIB = 2 ** 30;
const TIB = 2 ** 40;

export interface ServerType {
  /** Stable while the facts are: c8-m64g-d500g (cores, memory, all disks together), -arm64, -gpu2. */
  id: string;
  cpuCores: number;
  memoryBytes: number;
  diskBytes: number;
  arch: Host['hardware']['arch'];
  gpus: number;
  /** Hosts of this class, SoT order. */
  hosts: string[];
  /** Of those, how many could be allocated now. */
  free: number;
  sites: string[];
  /** SoT pools whose selector takes a host of this class (vmpooler pools refer to types, seed-apis §6). */
  pools: string[];
}

/** 500G -> "500g", 1T -> "1t"; sizes that are no whole TiB count GiB (rounded). */
function sizeTag(bytes: number): string {
  if (bytes >= TIB && bytes % TIB === 0) return `${bytes / TIB}t`;
  return `${Math.round(bytes / GIB)}g`;
}

export const diskBytesOf = (h: Host) => h.hardware.disks.reduce((n, d) => n + d.sizeBytes, 0);

/** The host's server type id, or undefined when its facts are incomplete. */
export function serverTypeId(h: Host): string | undefined {
  const hw = h.hardware;
  if (!hw.cpuCores || !hw.memoryBytes) return undefined;
  const disk = diskBytesOf(h);
  return [`c${hw.cpuCores}`, `m${sizeTag(hw.memoryBytes)}`, `d${sizeTag(disk)}`, ...(hw.arch !== 'x86_64' ? [hw.arch] : []), ...(hw.gpus ? [`gpu${hw.gpus}`] : [])].join('-');
}

/** Every type of the inventory, smallest first (memory, then disk, then cores), with free counts. */
export function serverTypes(sot: Sot, placeable: (hostId: string) => boolean): ServerType[] {
  const byId = new Map<string, ServerType>();
  for (const h of sot.hosts) {
    const id = serverTypeId(h);
    if (!id) continue;
    let t = byId.get(id);
    if (!t) {
      t = { id, cpuCores: h.hardware.cpuCores!, memoryBytes: h.hardware.memoryBytes!, diskBytes: diskBytesOf(h), arch: h.hardware.arch, gpus: h.hardware.gpus ?? 0, hosts: [], free: 0, sites: [], pools: [] };
      byId.set(id, t);
    }
    t.hosts.push(h.id);
    if (placeable(h.id)) t.free++;
    if (!t.sites.includes(h.siteId)) t.sites.push(h.siteId);
    for (const p of sot.pools) if (!t.pools.includes(p.name) && selectorMatches(h, p.selector)) t.pools.push(p.name);
  }
  return [...byId.values()].sort((a, b) => a.memoryBytes - b.memoryBytes || a.diskBytes - b.diskBytes || a.cpuCores - b.cpuCores || a.id.localeCompare(b.id));
}
