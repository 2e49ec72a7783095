// A pool's `provider` and, for provider qemu, its VM fields (docs/sot.md "Pool"): shape and
// defaults here, with file:line problems; the site, subnet and bridge are checked against the
// sites in crossref.ts, and the VMs themselves are made by src/pools/qemu/hosts.ts.
import type { Pool, QemuPoolSpec, Sot } from '../model/index.js';
import type { ParsedDoc } from './read.js';
import type { Reporter } from './report.js';
import { parseSize } from './shape.js';
import { optInt, optStr } from './values.js';
import { parseIpv4 } from '../lib/ip.js';
import { vmIp, vmName } from '../pools/qemu/names.js';

const QEMU_ONLY = ['vms', 'site', 'subnet', 'cluster', 'ip_start', 'memory', 'cpus', 'disk', 'image', 'firmware', 'bridge'] as const;
const GiB = 2 ** 30;

/** Sets pool.provider (and pool.qemu, and a selector of exactly its VMs). */
export function buildPoolProvider(doc: ParsedDoc, raw: Record<string, unknown>, pool: Pool, r: Reporter): void {
  const provider = raw.provider === 'qemu' ? 'qemu' : 'baremetal';
  pool.provider = provider;
  if (provider === 'baremetal') {
    for (const k of QEMU_ONLY) if (raw[k] !== undefined) r.at(doc, [k], `"${k}" is a field of provider qemu pools (this pool's provider is baremetal)`, { at: 'key' });
    return;
  }
  for (const k of ['vms', 'site', 'subnet', 'bridge'] as const) {
    if (raw[k] === undefined) r.at(doc, [], `a provider qemu pool needs "${k}"`, { at: 'key' });
  }
  if (raw.selector !== undefined) r.at(doc, ['selector'], 'a provider qemu pool takes its own VMs: no "selector"', { at: 'key' });
  const vms = optInt(raw.vms);
  const site = optStr(raw.site);
  const subnet = optStr(raw.subnet);
  const bridge = optStr(raw.bridge);
  if (!vms || !site || !subnet || !bridge) return;
  if (pool.size > vms) r.at(doc, ['size'], `size ${pool.size} is more than the pool's ${vms} VMs`);
  const ipStart = optStr(raw.ip_start);
  if (ipStart !== undefined && parseIpv4(ipStart) === undefined) r.at(doc, ['ip_start'], `"${ipStart}" is not an IPv4 address`);
  const image = optStr(raw.image);
  if (image !== undefined && !image.startsWith('/')) r.at(doc, ['image'], 'image must be an absolute path to a qcow2 file');
  const spec: QemuPoolSpec = {
    vms,
    site,
    subnet,
    cluster: optStr(raw.cluster) ?? pool.name,
    memoryBytes: parseSize(raw.memory) ?? 2 * GiB,
    cpus: optInt(raw.cpus) ?? 2,
    diskBytes: parseSize(raw.disk) ?? 20 * GiB,
    firmware: raw.firmware === 'uefi' ? 'uefi' : 'bios',
    bridge,
  };
  if (spec.memoryBytes < 64 * 2 ** 20) r.at(doc, ['memory'], 'memory must be at least 64M');
  if (spec.diskBytes < 2 ** 20) r.at(doc, ['disk'], 'disk must be at least 1M');
  if (ipStart !== undefined) spec.ipStart = ipStart;
  if (image !== undefined) spec.image = image;
  pool.qemu = spec;
  pool.selector = { sites: [site], clusters: [], hosts: Array.from({ length: vms }, (_, i) => vmName(pool.name, i + 1)), labels: {} };
}

/** Cross-checks of a qemu pool against the sites (crossref.ts): where its VMs live and which network they boot from. */
export function checkPoolProvider(sot: Sot, pool: Pool, doc: ParsedDoc, r: Reporter): void {
  const q = pool.qemu;
  if (!q) return;
  const site = sot.sites.find((s) => s.id === q.site);
  if (!site) return r.at(doc, ['site'], `site "${q.site}" is not defined in sites/`);
  // Pools take hosts of on-demand sites only (src/pools/model.ts inPool): an auto site would install them on its own.
  if (site.mode !== 'on-demand') r.at(doc, ['site'], `site "${site.id}" provisions automatically; a pool's VMs need an on-demand site`);
  const subnet = site.subnets.find((s) => s.id === q.subnet);
  if (!subnet) return r.at(doc, ['subnet'], `subnet "${q.subnet}" is not defined in site "${site.id}"`);
  if (!vmIp(subnet.cidr, q.vms, 1, q.ipStart) || !vmIp(subnet.cidr, q.vms, q.vms, q.ipStart)) {
    r.at(doc, [q.ipStart !== undefined ? 'ip_start' : 'vms'], `${q.vms} VM address(es)${q.ipStart ? ` from ${q.ipStart}` : ''} do not fit in subnet "${subnet.id}" (${subnet.cidr})`);
  }
  // The VMs PXE boot from the bridge: it has to be the network the site's boot services answer on.
  const served = site.agents.map((a) => a.interface).filter((i): i is string => !!i);
  if (served.length && !served.includes(q.bridge)) {
    r.at(doc, ['bridge'], `bridge "${q.bridge}" is not the provisioning network of site "${site.id}" (its boot services serve ${served.map((s) => `"${s}"`).join(', ')})`);
  }
}
