// os/, boot/, workflows/, roles/, pools/ documents -> model objects (shape checks only; the
// cross references are checked in crossref.ts once everything is built).
import type { Boot, CmdlineEntry, HostSelector, Os, Pool, Role, UnattendedType, Workflow } from '../model/index.js';
import type { ParsedDoc } from './read.js';
import { Reporter, sourceOf } from './report.js';
import { BOOT, OS, POOL, ROLE, WORKFLOW } from './schema.js';
import { isMapping, parseDuration, parseSize } from './shape.js';
import { asRaw, mapOf, optInt, optStr, stringMap, strList } from './values.js';
import { buildPoolProvider } from './build-pool-qemu.js';

/** Default and ceiling of a pool check-out's lifetime when the SoT sets none (vmpooler: 24 h). */
const DEFAULT_LIFETIME_S = 24 * 3600;
const DEFAULT_MAX_LIFETIME_S = 7 * 24 * 3600;

function start(doc: ParsedDoc, fields: Parameters<Reporter['checkDoc']>[1], kind: string, r: Reporter): Record<string, unknown> | undefined {
  if (!isMapping(doc.value)) {
    r.at(doc, [], `${kind} document must be a mapping`);
    return undefined;
  }
  r.checkDoc(doc, fields, kind);
  return doc.value;
}

export function buildOs(doc: ParsedDoc, r: Reporter): Os | undefined {
  const raw = start(doc, OS, 'os', r);
  const id = raw && optStr(raw.id);
  if (!raw || !id) return undefined;
  const boot = asRaw(raw.boot);
  const cmdline: CmdlineEntry[] = [];
  (Array.isArray(raw.cmdline) ? raw.cmdline : []).forEach((entry, i) => {
    // Vaquero: each entry is a one-key mapping; `key: ''` or `key:` is a bare flag.
    if (!isMapping(entry) || Object.keys(entry).length !== 1) {
      r.at(doc, ['cmdline', i], 'a cmdline entry must be a mapping with one key, e.g. "console: ttyS0"');
      return;
    }
    const [key, value] = Object.entries(entry)[0]!;
    const v = value === null || value === undefined ? undefined : optStr(value);
    if (value !== null && value !== undefined && v === undefined) {
      r.at(doc, ['cmdline', i, key], `cmdline value of "${key}" must be a string`);
      return;
    }
    cmdline.push(v === undefined ? { key } : { key, value: v });
  });
  const os: Os = {
    id,
    name: optStr(raw.name) ?? id,
    kernel: optStr(boot.kernel) ?? '',
    initrd: strList(boot.initrd),
    cmdline,
    raw: { ...raw },
    source: sourceOf(doc),
  };
  for (const [key, field] of [
    ['major_version', 'majorVersion'],
    ['minor_version', 'minorVersion'],
    ['os_family', 'osFamily'],
    ['release_name', 'releaseName'],
    ['ipxe_template', 'ipxeTemplate'],
  ] as const) {
    const v = optStr(raw[key]);
    if (v !== undefined) os[field] = v;
  }
  return os;
}

export function buildBoot(doc: ParsedDoc, r: Reporter): Boot | undefined {
  const raw = start(doc, BOOT, 'boot', r);
  const id = raw && optStr(raw.id);
  if (!raw || !id) return undefined;
  const boot: Boot = {
    id,
    name: optStr(raw.name) ?? id,
    os: optStr(raw.operating_system) ?? '',
    metadata: mapOf(raw.metadata),
    validate: Array.isArray(raw.validate) ? raw.validate.map(mapOf) : [],
    beforeShutdown: Array.isArray(raw.before_shutdown) ? raw.before_shutdown.map(mapOf) : [],
    checkpoints: optInt(raw.checkpoints) ?? 1,
    source: sourceOf(doc),
  };
  const un = asRaw(raw.unattended);
  const type = optStr(un.type);
  const use = optStr(un.use);
  if (type && use) boot.unattended = { type: type as UnattendedType, use };
  return boot;
}

export function buildWorkflow(doc: ParsedDoc, r: Reporter): Workflow | undefined {
  const raw = start(doc, WORKFLOW, 'workflow', r);
  const id = raw && optStr(raw.id);
  if (!raw || !id) return undefined;
  const deps = asRaw(raw.deps);
  const wf: Workflow = {
    id,
    boots: (Array.isArray(raw.workflow) ? raw.workflow : []).map((s) => optStr(asRaw(s).boot) ?? ''),
    deps: { blockDeps: strList(deps.block_deps), validateOn: strList(deps.validate_on) },
    source: sourceOf(doc),
  };
  for (const [key, field] of [
    ['max_concurrent', 'maxConcurrent'],
    ['min_standing', 'minStanding'],
    ['max_fail', 'maxFail'],
  ] as const) {
    const v = optInt(deps[key]);
    if (v !== undefined) wf.deps[field] = v;
  }
  return wf;
}

export function buildRole(doc: ParsedDoc, r: Reporter): Role | undefined {
  const raw = start(doc, ROLE, 'role', r);
  const name = raw && optStr(raw.name);
  if (!raw || !name) return undefined;
  const versions = (Array.isArray(raw.versions) ? raw.versions : []).map((v) => {
    const vr = asRaw(v);
    const out: Role['versions'][number] = { version: optStr(vr.version) ?? '', workflow: optStr(vr.workflow) ?? '' };
    const d = optStr(vr.description);
    if (d) out.description = d;
    if (isMapping(vr.config)) out.config = { ...vr.config };
    return out;
  });
  return {
    name,
    displayName: optStr(raw.display_name) ?? name,
    description: optStr(raw.description) ?? '',
    activeVersion: optStr(raw.active_version) ?? '',
    versions,
    defaultSettings: mapOf(raw.default_settings),
    customizableSettings: mapOf(raw.customizable_settings),
    source: sourceOf(doc),
  };
}

export function buildPool(doc: ParsedDoc, r: Reporter): Pool | undefined {
  const raw = start(doc, POOL, 'pool', r);
  const name = raw && optStr(raw.name);
  if (!raw || !name) return undefined;
  const sel = asRaw(raw.selector);
  const selector: HostSelector = {
    sites: [...strList(sel.sites), ...strList(sel.site)],
    clusters: [...strList(sel.clusters), ...strList(sel.cluster)],
    hosts: strList(sel.hosts),
    labels: stringMap(sel.labels),
  };
  const minCpu = optInt(sel.min_cpu_cores);
  if (minCpu) selector.minCpuCores = minCpu;
  const minMem = parseSize(sel.min_memory);
  if (minMem !== undefined) selector.minMemoryBytes = minMem;
  const minDisk = parseSize(sel.min_disk);
  if (minDisk !== undefined) selector.minDiskBytes = minDisk;
  if (sel.firmware === 'bios' || sel.firmware === 'uefi') selector.firmware = sel.firmware;
  const defaultLifetime = parseDuration(raw.lifetime) ?? DEFAULT_LIFETIME_S;
  const maxLifetime = parseDuration(raw.max_lifetime) ?? Math.max(DEFAULT_MAX_LIFETIME_S, defaultLifetime);
  if (defaultLifetime > maxLifetime) r.at(doc, ['lifetime'], 'lifetime is longer than max_lifetime');
  const pool: Pool = {
    name,
    aliases: strList(raw.aliases),
    size: optInt(raw.size) ?? 0,
    selector,
    defaultLifetime,
    maxLifetime,
    source: sourceOf(doc),
  };
  const wf = optStr(raw.workflow);
  if (wf) pool.workflow = wf;
  const role = optStr(raw.role);
  if (role) pool.role = role;
  if (!wf && !role) r.at(doc, [], 'a pool needs a "workflow" or a "role" to provision its hosts with', { at: 'key' });
  if (wf && role) r.at(doc, ['role'], 'a pool takes either "workflow" or "role", not both', { at: 'key' });
  buildPoolProvider(doc, raw, pool, r);
  return pool;
}
