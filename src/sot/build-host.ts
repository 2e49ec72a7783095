// sites/<site>/<cluster>.yml -> Cluster + Hosts. The first document is a cluster document when
// it is not a host (Vaquero: an optional leading config/metadata document).
import type { BmcConfig, Cluster, Disk, Hardware, Host, Interface, SecretRef } from '../model/index.js';
import { parseMac } from '../lib/mac.js';
import { parseIpv4 } from '../lib/ip.js';
import type { ParsedDoc } from './read.js';
import { Reporter, sourceOf } from './report.js';
import { CLUSTER, HOST } from './schema.js';
import { isMapping, parseSize, type Path } from './shape.js';
import { asRaw, mapOf, optBool, optInt, optStr, stringMap, strList, type Raw } from './values.js';

const HOST_ONLY_KEYS = ['interfaces', 'workflow', 'hardware', 'never_provision', 'role', 'labels', 'tags'];

export function isClusterDoc(value: unknown): boolean {
  if (!isMapping(value)) return false;
  if (HOST_ONLY_KEYS.some((k) => k in value)) return false;
  return ['config', 'metadata', 'id', 'description'].some((k) => k in value);
}

export function buildCluster(docs: ParsedDoc[], siteId: string, r: Reporter): { cluster: Cluster; hosts: { doc: ParsedDoc; host: Host }[] } {
  const first = docs[0];
  const fileBase = (first?.file.rel.split('/').pop() ?? 'cluster').replace(/\.ya?ml$/i, '');
  const clusterDoc = first && isClusterDoc(first.value) ? first : undefined;
  const raw = clusterDoc ? asRaw(clusterDoc.value) : {};
  if (clusterDoc) r.checkDoc(clusterDoc, CLUSTER, 'cluster document');
  const id = optStr(raw.id) ?? fileBase;
  const cluster: Cluster = {
    id,
    siteId,
    name: optStr(raw.name) ?? id,
    metadata: mapOf(raw.metadata),
    hostIds: [],
    source: clusterDoc ? sourceOf(clusterDoc) : { file: first?.file.rel ?? '', line: 1, col: 1 },
  };
  const description = optStr(raw.description);
  if (description) cluster.description = description;
  if (isMapping(raw.config)) cluster.config = { ...raw.config };
  const hosts: { doc: ParsedDoc; host: Host }[] = [];
  for (const doc of docs) {
    if (doc === clusterDoc) continue;
    const h = buildHost(doc, siteId, id, r);
    if (h) {
      hosts.push({ doc, host: h });
      cluster.hostIds.push(h.id);
    }
  }
  return { cluster, hosts };
}

function buildHost(doc: ParsedDoc, siteId: string, clusterId: string, r: Reporter): Host | undefined {
  if (!isMapping(doc.value)) {
    r.at(doc, [], 'host document must be a mapping');
    return undefined;
  }
  r.checkDoc(doc, HOST, 'host');
  const raw = doc.value;
  const name = optStr(raw.name);
  if (!name) return undefined;
  const interfaces = (Array.isArray(raw.interfaces) ? raw.interfaces : [])
    .map((i, idx) => buildInterface(doc, asRaw(i), ['interfaces', idx], r))
    .filter((i): i is Interface => i !== undefined);
  const host: Host = {
    id: name,
    name,
    siteId,
    clusterId,
    interfaces,
    metadata: mapOf(raw.metadata),
    neverProvision: optBool(raw.never_provision) ?? false,
    hardware: buildHardware(asRaw(raw.hardware)),
    labels: stringMap(raw.labels),
    tags: strList(raw.tags),
    source: sourceOf(doc),
  };
  const workflow = optStr(raw.workflow);
  if (workflow) host.workflow = workflow;
  if (typeof raw.role === 'string') host.role = { name: raw.role };
  else if (isMapping(raw.role) && optStr(raw.role.name)) {
    host.role = { name: optStr(raw.role.name)! };
    const v = optStr(raw.role.version);
    if (v) host.role.version = v;
  }
  if (host.workflow && host.role) r.at(doc, ['role'], 'a host takes its workflow from either "workflow" or "role", not both', { at: 'key' });
  return host;
}

function buildInterface(doc: ParsedDoc, raw: Raw, path: Path, r: Reporter): Interface | undefined {
  const type = raw.type === 'bmc' ? 'bmc' : 'physical';
  const iface: Interface = { type, ignoreDhcp: optBool(raw.ignore_dhcp) ?? false, source: sourceOf(doc) };
  const macText = optStr(raw.mac);
  if (macText !== undefined) {
    const mac = parseMac(macText);
    if (!mac) r.at(doc, [...path, 'mac'], `"${macText}" is not a MAC address (expected six hex pairs, e.g. 52:54:00:12:34:56)`);
    else iface.mac = mac;
  } else if (type === 'physical' && !iface.ignoreDhcp) {
    r.at(doc, path, 'missing field "mac" in interface (a physical interface is found by its MAC)', { at: 'key' });
  }
  const ipv4 = optStr(raw.ipv4);
  if (ipv4 !== undefined) {
    if (parseIpv4(ipv4) === undefined) r.at(doc, [...path, 'ipv4'], `"${ipv4}" is not an IPv4 address`);
    else iface.ipv4 = ipv4;
  }
  for (const key of ['subnet', 'ipv6', 'identifier', 'hostname'] as const) {
    const v = optStr(raw[key]);
    if (v !== undefined) iface[key] = v;
  }
  if (isMapping(raw.bmc)) iface.bmc = buildBmc(doc, raw.bmc, [...path, 'bmc'], iface, r);
  else if (type === 'bmc') r.at(doc, path, 'an interface of type bmc needs a "bmc" block (type, username, password)', { at: 'key' });
  return iface;
}

function buildBmc(doc: ParsedDoc, raw: Raw, path: Path, iface: Interface, r: Reporter): BmcConfig | undefined {
  const type = optStr(raw.type);
  if (type !== 'ipmi' && type !== 'redfish' && type !== 'ssh' && type !== 'custom') return undefined;
  const bmc: BmcConfig = { type, softReboot: optBool(raw.soft_reboot) ?? false };
  const address = optStr(raw.address);
  if (address) bmc.address = address;
  if ((type === 'ipmi' || type === 'redfish') && !address && !iface.ipv4) {
    r.at(doc, path, `a ${type} BMC needs an address: set "address" in the bmc block or "ipv4" on its interface`, { at: 'key' });
  }
  const port = optInt(raw.port);
  if (port) bmc.port = port;
  for (const [key, field] of [['username', 'username'], ['system_id', 'systemId'], ['keypath', 'keypath']] as const) {
    const v = optStr(raw[key]);
    if (v !== undefined) bmc[field] = v;
  }
  const password = secretRef(raw.password);
  if (password) bmc.password = password;
  else if (isMapping(raw.password)) r.at(doc, [...path, 'password'], 'a password reference needs exactly one of "env" or "file"');
  const cs = optInt(raw.cipher_suite);
  if (cs !== undefined) bmc.cipherSuite = cs;
  const insecure = optBool(raw.insecure);
  if (insecure !== undefined) bmc.insecure = insecure;
  const softTimeout = optInt(raw.soft_timeout);
  if (softTimeout !== undefined) bmc.softTimeout = softTimeout;
  if (isMapping(raw.container)) bmc.container = { ...raw.container };
  return bmc;
}

function secretRef(v: unknown): SecretRef | undefined {
  if (typeof v === 'string' || typeof v === 'number') return { kind: 'inline', value: String(v) };
  if (!isMapping(v)) return undefined;
  const env = optStr(v.env);
  const file = optStr(v.file);
  if (env && !file) return { kind: 'env', name: env };
  if (file && !env) return { kind: 'file', path: file };
  return undefined;
}

function buildHardware(raw: Raw): Hardware {
  const disks: Disk[] = (Array.isArray(raw.disks) ? raw.disks : []).flatMap((d) => {
    const dr = asRaw(d);
    const sizeBytes = parseSize(dr.size);
    if (sizeBytes === undefined) return [];
    const disk: Disk = { sizeBytes };
    const name = optStr(dr.name);
    if (name) disk.name = name;
    if (dr.type === 'hdd' || dr.type === 'ssd' || dr.type === 'nvme') disk.type = dr.type;
    return [disk];
  });
  const hw: Hardware = { disks, arch: raw.arch === 'arm64' ? 'arm64' : 'x86_64', firmware: raw.firmware === 'uefi' ? 'uefi' : 'bios' };
  const cores = optInt(raw.cpu_cores);
  if (cores) hw.cpuCores = cores;
  const model = optStr(raw.cpu_model);
  if (model) hw.cpuModel = model;
  const mem = parseSize(raw.memory);
  if (mem !== undefined) hw.memoryBytes = mem;
  const gpus = optInt(raw.gpus);
  if (gpus !== undefined) hw.gpus = gpus;
  return hw;
}
