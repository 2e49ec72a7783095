// Checks across documents: dangling references (host -> workflow -> boot -> os, subnets,
// roles, pools, assets), duplicate names, MACs and IPs, and addresses outside their subnet.
import type { Host, Sot } from '../model/index.js';
import { inCidr, parseCidr, parseIpv4 } from '../lib/ip.js';
import type { ParsedDoc } from './read.js';
import type { Reporter } from './report.js';
import { checkPoolProvider } from './build-pool-qemu.js';

export type DocOf = (o: object) => ParsedDoc;

export function crossCheck(sot: Sot, docOf: DocOf, r: Reporter): void {
  checkDuplicateIds(sot, docOf, r);
  checkHosts(sot, docOf, r);
  checkCatalog(sot, docOf, r);
}

function dupIds<T extends object>(items: T[], key: (t: T) => string, what: string, field: string, docOf: DocOf, r: Reporter): void {
  const first = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    const prev = first.get(k);
    if (prev) {
      const p = docOf(prev);
      r.at(docOf(it), [field], `duplicate ${what} "${k}" (first defined in ${p.file.rel}:${p.line})`);
    } else first.set(k, it);
  }
}

function checkDuplicateIds(sot: Sot, docOf: DocOf, r: Reporter): void {
  dupIds(sot.sites, (s) => s.id, 'site id', 'id', docOf, r);
  dupIds(sot.hosts, (h) => h.name, 'host name', 'name', docOf, r);
  dupIds(sot.oses, (o) => o.id, 'os id', 'id', docOf, r);
  dupIds(sot.boots, (b) => b.id, 'boot id', 'id', docOf, r);
  dupIds(sot.workflows, (w) => w.id, 'workflow id', 'id', docOf, r);
  dupIds(sot.roles, (x) => x.name, 'role name', 'name', docOf, r);
  const poolNames = new Map<string, object>();
  for (const p of sot.pools) {
    for (const [n, field] of [[p.name, 'name'], ...p.aliases.map((a) => [a, 'aliases'] as const)] as const) {
      const prev = poolNames.get(n);
      if (prev && prev !== p) r.at(docOf(p), [field], `pool name or alias "${n}" is already used by pool "${(prev as { name: string }).name}"`);
      else poolNames.set(n, p);
    }
  }
  const clusterKeys = new Map<string, object>();
  for (const c of sot.clusters) {
    const k = `${c.siteId}/${c.id}`;
    if (clusterKeys.has(k)) r.direct.push({ file: c.source.file, line: c.source.line, col: 1, severity: 'error', message: `duplicate cluster id "${c.id}" in site "${c.siteId}"` });
    clusterKeys.set(k, c);
  }
}

function checkHosts(sot: Sot, docOf: DocOf, r: Reporter): void {
  const workflows = new Set(sot.workflows.map((w) => w.id));
  const roles = new Map(sot.roles.map((x) => [x.name, x]));
  const macs = new Map<string, Host>();
  const ips = new Map<string, Map<number, Host>>();
  /** BMC endpoints "address:port": VirtualBMC, sushy-tools and ipmi_sim labs put several BMCs on one address. */
  const bmcEndpoints = new Map<string, Host>();
  const sites = new Map(sot.sites.map((s) => [s.id, s]));
  const subnetsBySite = new Map(sot.sites.map((s) => [s.id, new Map(s.subnets.map((n) => [n.id, n]))]));
  const cidrs = new Map(sot.sites.flatMap((s) => s.subnets.map((n) => [n, parseCidr(n.cidr)!] as const)));
  {
    for (const host of sot.hosts) {
      const site = sites.get(host.siteId)!;
      const subnets = subnetsBySite.get(site.id)!;
      const doc = docOf(host);
      if (host.workflow && !workflows.has(host.workflow)) r.at(doc, ['workflow'], `workflow "${host.workflow}" is not defined in workflows/`);
      if (host.role) {
        const role = roles.get(host.role.name);
        if (!role) r.at(doc, ['role'], `role "${host.role.name}" is not defined in roles/`);
        else if (host.role.version && !role.versions.some((v) => v.version === host.role!.version)) {
          r.at(doc, ['role'], `role "${host.role.name}" has no version "${host.role.version}"`);
        }
      }
      for (let i = 0; i < host.interfaces.length; i++) {
        const iface = host.interfaces[i]!;
        // Paths are built only when there is something to report: this loop runs for every interface.
        const at = (field: string) => ['interfaces', i, field];
        if (iface.mac) {
          const other = macs.get(iface.mac);
          if (other) r.at(doc, at('mac'), `duplicate MAC ${iface.mac} (also on host "${other.name}")`);
          else macs.set(iface.mac, host);
        }
        const subnet = iface.subnet !== undefined ? subnets.get(iface.subnet) : undefined;
        if (iface.subnet !== undefined && !subnet) r.at(doc, at('subnet'), `subnet "${iface.subnet}" is not defined in site "${site.id}"`);
        if (iface.bmc) {
          const address = iface.bmc.address ?? iface.ipv4;
          if (address !== undefined) {
            const endpoint = `${address}:${iface.bmc.port ?? DEFAULT_BMC_PORT[iface.bmc.type] ?? ''}`;
            const owner = bmcEndpoints.get(endpoint);
            if (owner) r.at(doc, at('bmc'), `duplicate BMC endpoint ${endpoint} (also on host "${owner.name}")`);
            else bmcEndpoints.set(endpoint, host);
          }
        }
        if (!iface.ipv4) continue;
        const ip = parseIpv4(iface.ipv4)!;
        // A BMC interface with no MAC is not DHCP-served: its address is only its endpoint's
        // (checked above), so only a true duplicate, address and port, is an error there.
        if (iface.type !== 'bmc' || iface.mac) {
          const siteIps = ips.get(site.id) ?? ips.set(site.id, new Map()).get(site.id)!;
          const other = siteIps.get(ip);
          if (other) r.at(doc, at('ipv4'), `duplicate IP ${iface.ipv4} (also on host "${other.name}")`);
          else siteIps.set(ip, host);
        }
        const cidr = subnet && cidrs.get(subnet);
        // A warning, not an error: Vaquero's own example puts BMC and secondary addresses
        // outside their subnet, and such an address still works when it is not DHCP-served.
        if (cidr && !inCidr(ip, cidr)) {
          r.warn(doc, at('ipv4'), `IP ${iface.ipv4} is outside subnet "${subnet!.id}" (${subnet!.cidr})`);
        }
      }
    }
  }
}

/** IPMI over LAN: UDP 623 (IPMI v2.0 §13.1); Redfish: HTTPS 443 (DSP0266). */
const DEFAULT_BMC_PORT: Partial<Record<string, number>> = { ipmi: 623, redfish: 443 };

function checkCatalog(sot: Sot, docOf: DocOf, r: Reporter): void {
  const oses = new Set(sot.oses.map((o) => o.id));
  const boots = new Set(sot.boots.map((b) => b.id));
  const workflows = new Set(sot.workflows.map((w) => w.id));
  const roles = new Set(sot.roles.map((x) => x.name));
  const assets = new Set(sot.assets.filter((a) => !a.snippet).map((a) => `${a.type}/${a.name}`));
  for (const b of sot.boots) {
    if (b.os && !oses.has(b.os)) r.at(docOf(b), ['operating_system'], `operating system "${b.os}" is not defined in os/`);
    if (b.unattended && !assets.has(`${b.unattended.type}/${b.unattended.use}`)) {
      r.at(docOf(b), ['unattended', 'use'], `unattended file "${b.unattended.use}" not found in assets/${b.unattended.type}/`);
    }
  }
  for (const o of sot.oses) {
    if (o.ipxeTemplate && !assets.has(`ipxe/${o.ipxeTemplate}`)) r.at(docOf(o), ['ipxe_template'], `iPXE template "${o.ipxeTemplate}" not found in assets/ipxe/`);
  }
  for (const w of sot.workflows) {
    w.boots.forEach((b, i) => {
      if (b && !boots.has(b)) r.at(docOf(w), ['workflow', i, 'boot'], `boot "${b}" is not defined in boot/`);
    });
    w.deps.blockDeps.forEach((d, i) => {
      if (!workflows.has(d)) r.at(docOf(w), ['deps', 'block_deps', i], `blocking workflow "${d}" is not defined in workflows/`);
      if (d === w.id) r.at(docOf(w), ['deps', 'block_deps', i], 'a workflow cannot block on itself');
    });
  }
  for (const role of sot.roles) {
    if (role.activeVersion && !role.versions.some((v) => v.version === role.activeVersion)) {
      r.at(docOf(role), ['active_version'], `active_version "${role.activeVersion}" is not one of the role's versions`);
    }
    role.versions.forEach((v, i) => {
      if (v.workflow && !workflows.has(v.workflow)) r.at(docOf(role), ['versions', i, 'workflow'], `workflow "${v.workflow}" is not defined in workflows/`);
    });
  }
  const siteIds = new Set(sot.sites.map((s) => s.id));
  const clusterIds = new Set(sot.clusters.map((c) => c.id));
  const hostIds = new Set(sot.hosts.map((h) => h.id));
  for (const p of sot.pools) {
    const doc = docOf(p);
    if (p.workflow && !workflows.has(p.workflow)) r.at(doc, ['workflow'], `workflow "${p.workflow}" is not defined in workflows/`);
    if (p.role && !roles.has(p.role)) r.at(doc, ['role'], `role "${p.role}" is not defined in roles/`);
    checkPoolProvider(sot, p, doc, r);
    // A qemu pool's selector is its own VMs: a missing site or subnet is reported once, above.
    if (p.provider !== 'qemu') for (const [list, set, what] of [[p.selector.sites, siteIds, 'site'], [p.selector.clusters, clusterIds, 'cluster'], [p.selector.hosts, hostIds, 'host']] as const) {
      for (const x of list) if (!set.has(x)) r.at(doc, ['selector'], `selector names unknown ${what} "${x}"`);
    }
  }
  for (const s of sot.sites) {
    if (s.discovery.workflow && !workflows.has(s.discovery.workflow)) {
      r.at(docOf(s), ['discovery', 'workflow'], `discovery workflow "${s.discovery.workflow}" is not defined in workflows/`);
    }
  }
}
