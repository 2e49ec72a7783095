// The data a template sees, shaped like Vaquero's: `.env`, `.cluster`, `.host`, `.interface`,
// `.boot` (with `.boot.os`), snake_case keys as written in the SoT, `md` aliasing `metadata`,
// and the URLs Corral serves (`.env.agentURL`, `.boot.configURL`). The callback URLs carry the
// host's per-attempt secret in their path (docs/boot.md, "Callback authentication"), or a masked
// placeholder when rendered for a person (the CLI, validation, the operator API's preview).
import type { Boot, Cluster, Host, Interface, Os, Site, Sot, Subnet, Workflow } from '../model/index.js';

export interface BootUrls {
  /** Base URL of the boot HTTP service as machines reach it, e.g. http://10.77.0.1:8080 (no trailing slash). */
  base: string;
  /** The host's callback secret for its current boot attempt; absent = MASKED_SECRET. */
  secret?: string;
}

/** What a callback URL shows in place of the secret when none is given: never a working URL. */
export const MASKED_SECRET = '<callback-secret>';

export interface RenderTarget {
  host: Host;
  /** The interface being booted; defaults to the primary (first non-BMC) interface. */
  iface?: Interface;
  workflow?: Workflow;
  /** Index of the boot within the workflow (default 0). */
  bootIndex?: number;
}

export interface HostContext {
  data: Record<string, unknown>;
  site: Site;
  cluster: Cluster | undefined;
  boot: Boot | undefined;
  os: Os | undefined;
  mac: string;
}

export function primaryInterface(host: Host): Interface | undefined {
  return host.interfaces.find((i) => i.type !== 'bmc' && i.mac) ?? host.interfaces.find((i) => i.mac);
}

/** The base URL a site's machines use for Corral, from its agent's asset_server (Vaquero's agentURL). */
export function siteBaseUrl(site: Site): string | undefined {
  const as = site.agents[0]?.assetServer;
  if (!as?.addr) return undefined;
  return `${as.scheme}://${as.addr}${as.port ? `:${as.port}` : ''}`;
}

/**
 * /checkpoint/<secret>/<mac>/<boot>[/<n>]: the secret is a path segment, not a query parameter,
 * because installers append their own query (the lab payload GETs "$CB?mac=..&ip=..").
 */
export function checkpointUrl(urls: BootUrls, mac: string, bootId: string, n?: unknown): string {
  const suffix = n === undefined || n === null || n === '' ? '' : `/${encodeURIComponent(String(n))}`;
  return `${urls.base}/checkpoint/${urls.secret ?? MASKED_SECRET}/${mac}/${encodeURIComponent(bootId)}${suffix}`;
}

/** /config/<secret>/<mac>?boot=<id>: the unattended file, which itself holds the secret. */
export function configUrl(urls: BootUrls, mac: string, bootId: string): string {
  return `${urls.base}/config/${urls.secret ?? MASKED_SECRET}/${mac}?boot=${encodeURIComponent(bootId)}`;
}

export function buildHostContext(sot: Sot, target: RenderTarget, urls: BootUrls): HostContext {
  const { host } = target;
  const site = sot.sites.find((s) => s.id === host.siteId)!;
  const cluster = sot.clusters.find((c) => c.siteId === host.siteId && c.id === host.clusterId);
  const iface = target.iface ?? primaryInterface(host);
  const mac = iface?.mac ?? '';
  const bootId = target.workflow?.boots[target.bootIndex ?? 0];
  const boot = bootId ? sot.boots.find((b) => b.id === bootId) : undefined;
  const os = boot ? sot.oses.find((o) => o.id === boot.os) : undefined;
  const subnets = new Map(site.subnets.map((s) => [s.id, subnetData(s)]));
  const ifaceData = (i: Interface) => interfaceData(i, subnets);
  // Vaquero: cluster metadata is merged over the site's, cluster keys win.
  const envMeta = { ...site.metadata, ...(cluster?.metadata ?? {}) };
  const env = {
    id: site.id,
    name: site.name,
    mode: site.mode,
    subnets: site.subnets.map(subnetData),
    metadata: envMeta,
    md: envMeta,
    agentURL: urls.base,
    assetURL: urls.base,
  };
  const hostData = {
    id: host.id,
    name: host.name,
    site: site.id,
    cluster: host.clusterId,
    interfaces: host.interfaces.map(ifaceData),
    metadata: host.metadata,
    md: host.metadata,
    workflow: target.workflow?.id ?? host.workflow ?? '',
    labels: host.labels,
    tags: host.tags,
    hardware: hardwareData(host),
  };
  const osData = os ? osDataOf(os) : undefined;
  const bootData = boot
    ? {
        id: boot.id,
        name: boot.name,
        metadata: boot.metadata,
        md: boot.metadata,
        os: osData,
        unattended: boot.unattended ?? {},
        configURL: configUrl(urls, mac, boot.id),
        index: target.bootIndex ?? 0,
      }
    : undefined;
  const data: Record<string, unknown> = {
    env,
    cluster: cluster ? { id: cluster.id, name: cluster.name, metadata: cluster.metadata, md: cluster.metadata } : {},
    host: hostData,
    interface: iface ? ifaceData(iface) : {},
    boot: bootData ?? {},
    os: osData ?? {},
  };
  return { data, site, cluster, boot, os, mac };
}

function subnetData(s: Subnet): Record<string, unknown> {
  return {
    id: s.id,
    cidr: s.cidr,
    network: s.network,
    prefix: s.prefix,
    netmask: s.netmask,
    gateway: s.gateway ?? '',
    dns: s.dns,
    ntp: s.ntp,
    domain: s.domain ?? '',
    domain_name: s.domain ?? '',
    vlan: s.vlan,
    metadata: s.metadata,
    md: s.metadata,
  };
}

function interfaceData(i: Interface, subnets: Map<string, Record<string, unknown>>): Record<string, unknown> {
  // Never expose BMC credentials to templates: rendered files are served unauthenticated.
  const out: Record<string, unknown> = {
    type: i.type,
    mac: i.mac ?? '',
    ipv4: i.ipv4 ?? '',
    ipv6: i.ipv6 ?? '',
    identifier: i.identifier ?? '',
    hostname: i.hostname ?? '',
    ignore_dhcp: i.ignoreDhcp,
    subnet: (i.subnet !== undefined && subnets.get(i.subnet)) || {},
  };
  if (i.bmc) out.bmc = { type: i.bmc.type, address: i.bmc.address ?? i.ipv4 ?? '', username: i.bmc.username ?? '' };
  return out;
}

function hardwareData(host: Host): Record<string, unknown> {
  const hw = host.hardware;
  return {
    cpu_cores: hw.cpuCores ?? 0,
    cpu_model: hw.cpuModel ?? '',
    memory_bytes: hw.memoryBytes ?? 0,
    disks: hw.disks.map((d) => ({ name: d.name ?? '', size_bytes: d.sizeBytes, type: d.type ?? '' })),
    arch: hw.arch,
    firmware: hw.firmware,
  };
}

function osDataOf(os: Os): Record<string, unknown> {
  return {
    id: os.id,
    name: os.name,
    major_version: os.majorVersion ?? '',
    minor_version: os.minorVersion ?? '',
    os_family: os.osFamily ?? '',
    release_name: os.releaseName ?? '',
    boot: { kernel: os.kernel, initrd: os.initrd },
  };
}
