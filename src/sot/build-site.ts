// sites/<site>/env.yml -> Site (subnets, agents, discovery), with the checks that need only the env.
import type { Agent, AddressRange, DhcpOptionSpec, Discovery, Site, Subnet } from '../model/index.js';
import { formatIpv4, inCidr, parseCidr, parseIpv4 } from '../lib/ip.js';
import type { ParsedDoc } from './read.js';
import { Reporter, sourceOf } from './report.js';
import { ENV } from './schema.js';
import { isMapping, parseDuration, type Path } from './shape.js';
import { asRaw, duplicates, mapOf, optBool, optInt, optStr, strList, type Raw } from './values.js';
import { checkDhcpOptionValue } from './dhcp-option-values.js';

export function buildSite(doc: ParsedDoc, r: Reporter): Site | undefined {
  if (!isMapping(doc.value)) {
    r.at(doc, [], `site env must be a mapping, not ${Array.isArray(doc.value) ? 'a list' : 'a scalar'}`);
    return undefined;
  }
  r.checkDoc(doc, ENV, 'site env');
  const raw = doc.value;
  const id = optStr(raw.id);
  if (!id) return undefined;
  if (doc.siteDir && doc.siteDir !== id) {
    r.warn(doc, ['id'], `site id "${id}" differs from its folder name "${doc.siteDir}"`);
  }
  const subnets = (Array.isArray(raw.subnets) ? raw.subnets : [])
    .map((s, i) => buildSubnet(doc, asRaw(s), ['subnets', i], r))
    .filter((s): s is Subnet => s !== undefined);
  for (const [sid, dups] of duplicates(subnets, (s) => s.id)) {
    for (const s of dups.slice(1)) r.at(doc, ['subnets', subnets.indexOf(s), 'id'], `duplicate subnet id "${sid}"`);
  }
  const agents = (Array.isArray(raw.agents) ? raw.agents : []).map((a, i) => buildAgent(asRaw(a), i));
  const mode = raw.mode === 'auto' ? 'auto' : 'on-demand';
  const site: Site = {
    id,
    name: optStr(raw.name) ?? id,
    mode,
    subnets,
    agents,
    discovery: buildDiscovery(doc, raw.discovery, subnets, r),
    metadata: mapOf(raw.metadata),
    clusterIds: [],
    source: sourceOf(doc),
  };
  const releaseTag = optStr(raw.release_tag);
  if (releaseTag) site.releaseTag = releaseTag;
  const sotId = optStr(raw.sot_id);
  if (sotId) site.sotId = sotId;
  return site;
}

function buildSubnet(doc: ParsedDoc, raw: Raw, path: Path, r: Reporter): Subnet | undefined {
  const id = optStr(raw.id);
  const cidrText = optStr(raw.cidr);
  if (!id || !cidrText) return undefined;
  const cidr = parseCidr(cidrText);
  if (!cidr) {
    r.at(doc, [...path, 'cidr'], `cidr "${cidrText}" is not an IPv4 network such as 10.0.0.0/24`);
    return undefined;
  }
  const gateway = optStr(raw.gateway);
  if (gateway !== undefined) {
    const g = parseIpv4(gateway);
    if (g === undefined) r.at(doc, [...path, 'gateway'], `gateway "${gateway}" is not an IPv4 address`);
    else if (!inCidr(g, cidr)) r.at(doc, [...path, 'gateway'], `gateway ${gateway} is outside subnet ${cidrText}`);
  }
  for (const key of ['dns', 'ntp'] as const) {
    strList(raw[key]).forEach((a, i) => {
      if (parseIpv4(a) === undefined) r.at(doc, [...path, key, i], `${key} server "${a}" is not an IPv4 address`);
    });
  }
  const dhcpOptions: DhcpOptionSpec[] = [];
  (Array.isArray(raw.dhcp_options) ? raw.dhcp_options : []).forEach((o, i) => {
    const spec = asRaw(o);
    if (typeof spec.option !== 'number' || typeof spec.type !== 'string') return;
    const msg = checkDhcpOptionValue(spec.type, spec.value);
    if (msg) r.at(doc, [...path, 'dhcp_options', i, 'value'], `dhcp option ${spec.option}: ${msg}`);
    else dhcpOptions.push({ option: spec.option, type: spec.type as DhcpOptionSpec['type'], value: spec.value });
  });
  const subnet: Subnet = {
    id,
    cidr: cidrText,
    network: formatIpv4(cidr.network),
    prefix: cidr.prefix,
    netmask: formatIpv4(cidr.mask),
    dns: strList(raw.dns),
    ntp: strList(raw.ntp),
    vlan: optInt(raw.vlan) ?? 1,
    dhcpOptions,
    metadata: mapOf(raw.metadata),
    source: { file: doc.file.rel, line: doc.line, col: 1 },
  };
  if (gateway) subnet.gateway = gateway;
  const domain = optStr(raw.domain) ?? optStr(raw.domain_name);
  if (domain) subnet.domain = domain;
  if (raw.dhcp_mode === 'server' || raw.dhcp_mode === 'proxy') subnet.dhcpMode = raw.dhcp_mode;
  const lease = parseDuration(raw.lease_time);
  if (lease !== undefined) subnet.leaseTime = lease;
  return subnet;
}

function buildAgent(raw: Raw, i: number): Agent {
  const as = asRaw(raw.asset_server);
  const agent: Agent = {
    name: optStr(raw.name) ?? optStr(raw.id) ?? `agent-${i}`,
    assetServer: { scheme: as.scheme === 'https' ? 'https' : 'http' },
    dhcpMode: raw.dhcp_mode === 'proxy' ? 'proxy' : 'server',
    raw: { ...raw },
  };
  const addr = optStr(as.addr);
  if (addr) agent.assetServer.addr = addr;
  const port = optInt(as.port);
  if (port) agent.assetServer.port = port;
  const baseDir = optStr(as.base_dir);
  if (baseDir) agent.assetServer.baseDir = baseDir;
  const tftp = asRaw(raw.tftp_server);
  if (optStr(tftp.base_dir)) agent.tftpServer = { baseDir: optStr(tftp.base_dir)! };
  const savePath = optStr(raw.save_path);
  if (savePath) agent.savePath = savePath;
  const iface = optStr(raw.interface);
  if (iface) agent.interface = iface;
  const ra = optBool(raw.ipv6_ra);
  if (ra !== undefined) agent.ipv6Ra = ra;
  return agent;
}

function buildDiscovery(doc: ParsedDoc, v: unknown, subnets: Subnet[], r: Reporter): Discovery {
  const raw = asRaw(v);
  const d: Discovery = { enabled: optBool(raw.enabled) ?? false };
  const subnetId = optStr(raw.subnet);
  const subnet = subnetId ? subnets.find((s) => s.id === subnetId) : subnets[0];
  if (subnetId) {
    d.subnet = subnetId;
    if (!subnet) r.at(doc, ['discovery', 'subnet'], `discovery subnet "${subnetId}" is not a subnet of this site`);
  } else if (subnet) d.subnet = subnet.id;
  if (raw.range !== undefined) {
    const range = parseRange(raw.range);
    if (!range) r.at(doc, ['discovery', 'range'], 'discovery range must be "first-last" with two IPv4 addresses, first <= last');
    else {
      const cidr = subnet ? parseCidr(subnet.cidr) : undefined;
      if (cidr && (!inCidr(parseIpv4(range.start)!, cidr) || !inCidr(parseIpv4(range.end)!, cidr))) {
        r.at(doc, ['discovery', 'range'], `discovery range ${range.start}-${range.end} is outside subnet ${subnet!.cidr}`);
      }
      d.range = range;
    }
  } else if (d.enabled) {
    r.at(doc, ['discovery'], 'discovery is enabled but has no address range', { at: 'key' });
  }
  const wf = optStr(raw.workflow);
  if (wf) d.workflow = wf;
  return d;
}

export function parseRange(v: unknown): AddressRange | undefined {
  let start: string | undefined;
  let end: string | undefined;
  if (typeof v === 'string') [start, end] = v.split('-').map((s) => s.trim());
  else if (isMapping(v)) [start, end] = [optStr(v.start), optStr(v.end)];
  if (!start || !end) return undefined;
  const a = parseIpv4(start);
  const b = parseIpv4(end);
  if (a === undefined || b === undefined || a > b) return undefined;
  return { start, end };
}
