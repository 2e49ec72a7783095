// JSON views of model objects for the API (snake_case, as Vaquero and resmgr speak). Built
// field by field so nothing secret (BMC passwords, secret references) can leak by accident.
import type { Cluster, Host, HostRuntime, Interface, Site, Subnet } from '../model/index.js';
import { resmgrHostFields } from '../roles/resmgr.js';
import { sotOfHost } from '../sot/owner.js';
import { isBusy } from '../lifecycle/states.js';

export function interfaceView(i: Interface) {
  return {
    type: i.type,
    mac: i.mac ?? null,
    subnet: i.subnet ?? null,
    ipv4: i.ipv4 ?? null,
    ipv6: i.ipv6 ?? null,
    identifier: i.identifier ?? null,
    hostname: i.hostname ?? null,
    ignore_dhcp: i.ignoreDhcp,
    ...(i.bmc && {
      bmc: {
        type: i.bmc.type,
        address: i.bmc.address ?? i.ipv4 ?? null,
        port: i.bmc.port ?? null,
        username: i.bmc.username ?? null,
        password_set: i.bmc.password !== undefined,
        cipher_suite: i.bmc.cipherSuite ?? null,
      },
    }),
  };
}

export function runtimeView(rt: HostRuntime | undefined) {
  if (!rt) return { lifecycle_state: 'inactive', stage: null, power: 'unknown', last_error: null, since: null, boot_index: 0, attempts: 0, substate: null };
  return {
    lifecycle_state: rt.state,
    stage: rt.stage ?? null,
    power: rt.power,
    last_error: rt.lastError ?? null,
    since: new Date(rt.since).toISOString(),
    boot_index: rt.bootIndex,
    attempts: rt.attempts,
    // In a run at stage power without a deadline: its BMC job waits in the BMC queue, and the
    // stage's clock has not started (docs/lifecycle.md, "The BMC job").
    substate: isBusy(rt) && rt.stage === 'power' && rt.deadline === undefined ? 'bmc_queued' : null,
  };
}

export function hostView(h: Host, rt: HostRuntime | undefined) {
  return {
    id: h.id,
    name: h.name,
    site: h.siteId,
    cluster: h.clusterId,
    workflow: h.workflow ?? null,
    role: h.role ?? null,
    never_provision: h.neverProvision,
    interfaces: h.interfaces.map(interfaceView),
    hardware: {
      cpu_cores: h.hardware.cpuCores ?? null,
      cpu_model: h.hardware.cpuModel ?? null,
      memory_bytes: h.hardware.memoryBytes ?? null,
      disks: h.hardware.disks.map((d) => ({ name: d.name ?? null, size_bytes: d.sizeBytes, type: d.type ?? null })),
      arch: h.hardware.arch,
      firmware: h.hardware.firmware,
      gpus: h.hardware.gpus ?? null,
    },
    labels: h.labels,
    tags: h.tags,
    metadata: h.metadata,
    ...runtimeView(rt),
    // resmgr's fields (seed 001); they depend on (h, rt) alone, h's SoT being fixed by h.
    ...resmgrHostFields(h, rt, sotOfHost(h)),
    source: h.source,
  };
}

const hostJsonCache = new WeakMap<Host, { rt: string | undefined; json: string }>();

/**
 * JSON.stringify(hostView(h, rt)) for the runtime record given as the store's JSON text
 * (Store.getText), kept per SoT host while that text stays the same: with 10,000 hosts, building
 * and serialising views, and parsing records to build them, was most of a host read's own cost.
 * SoT hosts are immutable (a reload makes new ones, and the old entries go with them), so the
 * cache is right as long as hostView depends on (h, rt) alone.
 */
export function hostViewJson(h: Host, rtText: string | undefined): string {
  const hit = hostJsonCache.get(h);
  if (hit !== undefined && hit.rt === rtText) return hit.json;
  const json = JSON.stringify(hostView(h, rtText === undefined ? undefined : (JSON.parse(rtText) as HostRuntime)));
  hostJsonCache.set(h, { rt: rtText, json });
  return json;
}

function subnetView(s: Subnet) {
  return {
    id: s.id,
    cidr: s.cidr,
    gateway: s.gateway ?? null,
    dns: s.dns,
    ntp: s.ntp,
    domain: s.domain ?? null,
    vlan: s.vlan,
    dhcp_mode: s.dhcpMode ?? null,
  };
}

export function siteView(s: Site, hostCount: number) {
  return {
    id: s.id,
    name: s.name,
    mode: s.mode,
    dhcp_mode: s.agents[0]?.dhcpMode ?? 'server',
    discovery: { enabled: s.discovery.enabled, subnet: s.discovery.subnet ?? null, range: s.discovery.range ?? null },
    subnets: s.subnets.map(subnetView),
    clusters: s.clusterIds,
    host_count: hostCount,
    metadata: s.metadata,
    source: s.source,
  };
}

export function clusterView(c: Cluster) {
  return {
    id: c.id,
    site: c.siteId,
    name: c.name,
    description: c.description ?? null,
    metadata: c.metadata,
    hosts: c.hostIds,
    source: c.source,
  };
}

/** A machine the SoT does not list, seen on a discovery site. */
export function discoveredView(rt: HostRuntime) {
  return {
    id: rt.id,
    name: rt.id,
    site: rt.discoveredSite ?? null,
    cluster: null,
    discovered: true,
    workflow: null,
    role: null,
    never_provision: false,
    interfaces: [{ type: 'physical', mac: rt.discoveredMac ?? null, subnet: null, ipv4: rt.lastIp ?? null, ipv6: null, identifier: null, hostname: null, ignore_dhcp: false }],
    hardware: null,
    labels: {},
    tags: [],
    metadata: {},
    ...runtimeView(rt),
    ...resmgrHostFields(undefined, rt, undefined),
    source: null,
  };
}
