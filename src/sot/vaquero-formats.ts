// Every released Vaquero SoT format, 1.0 (Aug 2016) to the Advanced SoT (Aug 2018), read as
// today's. Each document is planned once: edits that turn an older shape into the current one
// (an agent mapping into `agents`, a cmdline mapping into a list, a workflow's top-level rollout
// fields into `deps`, …) and notes on what Corral does not act on, naming the field and the
// Vaquero release it comes from. The loader applies the edits to the parsed values and reports
// the notes as warnings; `corral sot convert` applies the same edits to the YAML files.
//
// Vaquero 1.0/1.1's layout (host_groups/, inventory documents listing hosts by selectors) is
// more than a field shape: inventory documents become host documents, each host group a boot
// plus a one-step workflow of the same id, and templates' 1.x names today's (legacy-templates.ts).
import type { Path } from './shape.js';
import { checkFields, checkShape, isMapping, type Field, type Finding } from './shape.js';
import { vaquero, type Release } from './vaquero-releases.js';
import { rewriteLegacyTemplate, type UnmappedName } from './legacy-templates.js';

export type Edit =
  | { op: 'move'; from: Path; to: Path }
  /** `origin` maps a path inside the new value back to where it was written. */
  | { op: 'set'; path: Path; value: unknown; origin?: (rest: Path) => Path }
  | { op: 'delete'; path: Path };

export interface Note {
  /** Path in the document as written. */
  path: Path;
  at: 'key' | 'value';
  message: string;
  /** True when the edits leave the field out (convert does not write it). */
  dropped: boolean;
  severity?: 'error' | 'warning';
}

export interface Plan {
  edits: Edit[];
  notes: Note[];
}

type Raw = Record<string, unknown>;

const ignored = (field: string, r: Release, why: string) => `"${field}" (${vaquero(r)}) is ignored: ${why}`;

interface NoteOpts {
  at?: 'key' | 'value';
  dropped?: boolean;
  severity?: 'error' | 'warning';
}

function plan(): Plan & { note(path: Path, message: string, opts?: NoteOpts): void } {
  const edits: Edit[] = [];
  const notes: Note[] = [];
  return {
    edits,
    notes,
    note(path, message, opts = {}) {
      notes.push({ path, message, at: opts.at ?? 'key', dropped: opts.dropped ?? false, ...(opts.severity && { severity: opts.severity }) });
    },
  };
}

// ---------------------------------------------------------------------------------- env.yml

const LEGACY_AGENT_LINK = ['secure_url', 'secure_port', 'cert_path'];

export function planEnv(v: Raw): Plan {
  const p = plan();
  const agents: { at: Path; agent: Raw; index: number }[] = [];
  if (isMapping(v.agent)) {
    // 1.0 to v0.12: one agent, as a mapping. Today: the `agents` list, the first one serving.
    const a = v.agent;
    let base: Path;
    if (v.agents === undefined) {
      p.edits.push({ op: 'move', from: ['agent'], to: ['agents', 0] });
      base = ['agents', 0];
      agents.push({ at: ['agent'], agent: a, index: 0 });
    } else {
      p.note(['agent'], ignored('agent', '1.0', 'this site also has "agents", which Corral reads instead'), { dropped: true });
      p.edits.push({ op: 'delete', path: ['agent'] });
      base = [];
    }
    if (base.length) {
      if (a.url !== undefined || a.port !== undefined) {
        if (isMapping(a.asset_server)) {
          for (const k of ['url', 'port'].filter((k) => a[k] !== undefined)) {
            p.note(['agent', k], ignored(`agent.${k}`, '1.0', 'its "asset_server" says where machines reach Corral'), { dropped: true });
            p.edits.push({ op: 'delete', path: [...base, k] });
          }
        } else {
          const server = assetServerOf(a.url, a.port);
          if (server) {
            const origin = (rest: Path) => (rest[0] === 'port' && a.port !== undefined ? ['agent', 'port'] : ['agent', 'url']);
            p.edits.push({ op: 'set', path: [...base, 'asset_server'], value: server, origin });
          } else {
            p.note(['agent', 'url'], `agent.url "${String(a.url)}" (${vaquero('1.0')}) is not a URL such as http://10.0.0.5: machines will not know where Corral is`, { at: 'value', dropped: true });
          }
          p.edits.push({ op: 'delete', path: [...base, 'url'] }, { op: 'delete', path: [...base, 'port'] });
        }
      }
      for (const k of LEGACY_AGENT_LINK.filter((k) => a[k] !== undefined)) {
        p.note(['agent', k], ignored(`agent.${k}`, '1.0', 'it set up the Vaquero server\'s link to its on-site agent, and Corral is the on-site service itself'), { dropped: true });
        p.edits.push({ op: 'delete', path: [...base, k] });
      }
    }
  }
  if (Array.isArray(v.agents)) v.agents.forEach((a, i) => isMapping(a) && agents.push({ at: ['agents', i], agent: a, index: i }));
  for (const { at, agent, index } of agents) {
    if (index > 0) {
      p.note(at, ignored(`agents[${index}]`, 'v0.12', 'Corral serves a site from one place, its first agent'), { at: 'value' });
      continue;
    }
    const as = isMapping(agent.asset_server) ? agent.asset_server : {};
    for (const k of ['cdn_addr', 'cdn_port', 'cdn_scheme'].filter((k) => as[k] !== undefined)) {
      p.note([...at, 'asset_server', k], ignored(`asset_server.${k}`, 'v0.12', 'Corral serves /files itself and proxies nothing to a CDN'));
    }
    if (agent.save_path !== undefined) p.note([...at, 'save_path'], ignored('save_path', 'v0.12', 'Corral keeps its state in the folder given to `corral serve --data`'));
    const tftp = isMapping(agent.tftp_server) ? agent.tftp_server : {};
    for (const k of ['ssh_container', 'ipmi_container'].filter((k) => agent[k] !== undefined)) {
      p.note([...at, k], ignored(k, '1.2', 'Corral runs no containers to power hosts: it drives IPMI and Redfish BMCs itself'));
    }
  }
  if (v.kind !== undefined) {
    p.note(['kind'], ignored('kind', '1.0', 'put it under metadata to use it in templates'), { dropped: true });
    p.edits.push({ op: 'delete', path: ['kind'] });
  }
  if (v.release_tag !== undefined) p.note(['release_tag'], ignored('release_tag', 'v0.11', 'Corral serves this folder as it is, not a tagged release of it'));
  if (v.sot_id !== undefined) p.note(['sot_id'], ignored('sot_id', 'Advanced SoT', 'Corral watches this folder, not a Git SoT named in a server configuration'));
  if (v.policy !== undefined) {
    // v0.14: `policy.force_provision: true` made Vaquero reboot added hosts on its own, which is
    // Corral's `mode: auto`.
    const pol = isMapping(v.policy) ? v.policy : {};
    if (pol.force_provision !== undefined) {
      if (v.mode !== undefined) {
        p.note(['policy', 'force_provision'], ignored('policy.force_provision', 'v0.14', 'this site sets "mode", which wins'), { dropped: true });
      } else if (pol.force_provision === true) {
        p.edits.push({ op: 'set', path: ['mode'], value: 'auto', origin: () => ['policy', 'force_provision'] });
      } else if (pol.force_provision !== false) {
        p.note(['policy', 'force_provision'], `policy.force_provision (${vaquero('v0.14')}) must be true or false`, { at: 'value', dropped: true, severity: 'error' });
      }
    }
    for (const k of Object.keys(pol).filter((k) => k !== 'force_provision')) {
      p.note(['policy', k], ignored(`policy.${k}`, 'v0.14', 'the only site policy Vaquero documented is force_provision (Corral\'s "mode: auto")'), { dropped: true });
    }
    p.edits.push({ op: 'delete', path: ['policy'] });
  }
  return { edits: p.edits, notes: p.notes };
}

/** 1.0's agent url (maybe without scheme) and port -> asset_server {addr, port, scheme}. */
function assetServerOf(url: unknown, port: unknown): Raw | undefined {
  const text = typeof url === 'string' ? url : url === undefined ? '127.0.0.1' : undefined;
  if (text === undefined) return undefined;
  const m = /^(?:(https?):\/\/)?([^/:\s]+)(?::(\d{1,5}))?\/?$/.exec(text.trim());
  if (!m) return undefined;
  const out: Raw = { addr: m[2]! };
  const p = typeof port === 'number' ? port : m[3] ? Number(m[3]) : undefined;
  if (p !== undefined) out.port = p;
  out.scheme = m[1] ?? 'http';
  return out;
}

// ------------------------------------------------------------------------------- workflows/

const ROLLOUT_FIELDS = ['max_concurrent', 'min_standing', 'block_deps', 'validate_on', 'max_fail'];

export function planWorkflow(v: Raw): Plan {
  const p = plan();
  const deps = isMapping(v.deps) ? v.deps : undefined;
  // v0.11 to v0.13: the rollout fields sat beside `workflow`; v0.14 moved them under `deps`.
  for (const k of ROLLOUT_FIELDS.filter((k) => v[k] !== undefined)) {
    if (deps && deps[k] !== undefined) {
      p.note([k], ignored(k, 'v0.11', `this workflow also sets deps.${k}, which wins`), { dropped: true });
      p.edits.push({ op: 'delete', path: [k] });
    } else {
      p.edits.push({ op: 'move', from: [k], to: ['deps', k] });
    }
  }
  if (v.safe_deps !== undefined) {
    p.note(['safe_deps'], ignored('safe_deps', 'v0.11', 'Vaquero dropped it in v0.13; only block_deps orders workflows'), { dropped: true });
    p.edits.push({ op: 'delete', path: ['safe_deps'] });
  }
  for (const at of [['validate_on'], ['deps', 'validate_on']]) {
    const where = at.length === 1 ? v : deps;
    if (where?.validate_on !== undefined) p.note(at, ignored('validate_on', 'v0.11', 'Corral runs no validation containers to run again'));
  }
  if (Array.isArray(v.workflow)) {
    v.workflow.forEach((step, i) => {
      if (!isMapping(step) || step['next-boot'] === undefined) return;
      p.note(['workflow', i, 'next-boot'], ignored('next-boot', 'v0.11', 'Corral runs the steps in order and a host stays on its last boot'), { dropped: true });
      p.edits.push({ op: 'delete', path: ['workflow', i, 'next-boot'] });
    });
  }
  return { edits: p.edits, notes: p.notes };
}

// -------------------------------------------------------------------------------------- os/

/**
 * `legacyTemplates`: the SoT is in the 1.0/1.1 layout, so kernel, initrd and cmdline values use
 * that era's template names.
 */
export function planOs(v: Raw, legacyTemplates: boolean): Plan & { unmapped: { path: Path; names: UnmappedName[] }[] } {
  const p = plan();
  const unmapped: { path: Path; names: UnmappedName[] }[] = [];
  /** The template string as today's names write it (1.0/1.1 layout only). */
  const tpl = <T>(s: T, path: Path): T | string => {
    if (!legacyTemplates || typeof s !== 'string') return s;
    const rw = rewriteLegacyTemplate(s);
    if (rw.unmapped.length) unmapped.push({ path, names: rw.unmapped });
    return rw.text;
  };
  const setString = (s: unknown, path: Path) => {
    const t = tpl(s, path);
    if (t !== s) p.edits.push({ op: 'set', path, value: t });
  };
  const boot = isMapping(v.boot) ? v.boot : undefined;
  if (boot) {
    setString(boot.kernel, ['boot', 'kernel']);
    if (Array.isArray(boot.initrd)) boot.initrd.forEach((s, i) => setString(s, ['boot', 'initrd', i]));
  }
  const c = v.cmdline;
  // 1.0 to v0.11: a mapping (key order as written); 1.1 on: a value may be a list, each of its
  // strings giving the key once more. Today: a list of one-key mappings, one per key=value.
  const listValues = Array.isArray(c) && c.some((e) => isMapping(e) && Object.values(e).some(Array.isArray));
  if (isMapping(c) || listValues) {
    const entries: Raw[] = [];
    const origins: Path[] = [];
    const pairs: [string, unknown, Path][] = isMapping(c)
      ? Object.entries(c).map(([k, x]) => [k, x, ['cmdline', k]])
      : (c as unknown[]).flatMap((e, i) => (isMapping(e) ? Object.entries(e).map(([k, x]): [string, unknown, Path] => [k, x, ['cmdline', i, k]]) : []));
    for (const [key, value, at] of pairs) {
      if (!Array.isArray(value)) {
        // `key:` (null) and `key: ''` both give a bare flag; written as '' it reads as one.
        entries.push({ [key]: tpl(value ?? '', at) });
        origins.push(at);
        continue;
      }
      value.forEach((item, j) => {
        if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
          entries.push({ [key]: tpl(String(item), [...at, j]) });
          origins.push([...at, j]);
        } else {
          p.note([...at, j], `a non-string item in the list of cmdline key "${key}" (${vaquero('1.1')}) is ignored, as Vaquero ignored it`, { at: 'value', dropped: true });
        }
      });
    }
    p.edits.push({ op: 'set', path: ['cmdline'], value: entries, origin: (rest) => (typeof rest[0] === 'number' && origins[rest[0]]) || ['cmdline'] });
  } else if (Array.isArray(c)) {
    c.forEach((e, i) => {
      if (isMapping(e)) for (const [k, x] of Object.entries(e)) setString(x, ['cmdline', i, k]);
    });
  }
  return { edits: p.edits, notes: p.notes, unmapped };
}

// ----------------------------------------------------------------------- boot/, host_groups/

export function planBoot(v: Raw, fromHostGroup: boolean): Plan {
  const p = plan();
  for (const k of ['validate', 'before_shutdown']) {
    if (Array.isArray(v[k]) && v[k].length) p.note([k], ignored(k, 'v0.14', 'Corral runs no containers; a boot is done when its installer calls the checkpoint URL'));
  }
  const un = isMapping(v.unattended) ? v.unattended : undefined;
  // 1.0 named the file with its type folder ("use: ignition/etcd.yaml"); later only the name.
  if (fromHostGroup && un && typeof un.type === 'string' && typeof un.use === 'string' && un.use.startsWith(`${un.type}/`)) {
    p.edits.push({ op: 'set', path: ['unattended', 'use'], value: un.use.slice(un.type.length + 1) });
  }
  return { edits: p.edits, notes: p.notes };
}

/** The one-step workflow a 1.0/1.1 host group becomes (same id: hosts name it). */
export function hostGroupWorkflow(v: Raw): Raw | undefined {
  return typeof v.id === 'string' && v.id ? { id: v.id, workflow: [{ boot: v.id }] } : undefined;
}

// ------------------------------------------------------------------------ sites/<site>/*.yml

export function planHost(v: Raw): Plan {
  const p = plan();
  if (Array.isArray(v.interfaces)) {
    v.interfaces.forEach((iface, i) => {
      const bmc = isMapping(iface) && isMapping(iface.bmc) ? iface.bmc : undefined;
      if (bmc?.type === 'ssh') p.note(['interfaces', i, 'bmc', 'type'], `bmc type "ssh" (${vaquero('v0.13')}) is not driven: Corral does not power hosts over SSH, so this host is powered by hand`, { at: 'value' });
      if (bmc?.type === 'custom') p.note(['interfaces', i, 'bmc', 'type'], `bmc type "custom" (${vaquero('v0.14')}) is not driven: Corral runs no reboot containers, so this host is powered by hand`, { at: 'value' });
    });
  }
  return { edits: p.edits, notes: p.notes };
}

export function planClusterDoc(v: Raw): Plan {
  const p = plan();
  if (v.config !== undefined) {
    p.note(['config'], ignored('config', '1.2', 'Corral reads os/, boot/, workflows/ and assets/ from this SoT folder only, not from the configuration a cluster names'));
  }
  return { edits: p.edits, notes: p.notes };
}

/** A 1.0/1.1 inventory document: a host group and the hosts in it. */
export function isInventoryDoc(v: unknown): v is Raw {
  return isMapping(v) && Array.isArray(v.hosts) && !('interfaces' in v);
}

const str: Field = { shape: { t: 'string' } };
const INVENTORY: Record<string, Field> = { host_group: { shape: { t: 'string' }, required: true }, subnet: str, hosts: { shape: { t: 'list', of: { t: 'any' } }, required: true } };
const INVENTORY_HOST: Record<string, Field> = {
  name: { shape: { t: 'string' }, required: true },
  selectors: { shape: { t: 'map' }, required: true },
  bmc: { shape: { t: 'map' } },
  metadata: { shape: { t: 'map' } },
};
const INVENTORY_BMC: Record<string, Field> = { type: str, ip: str, mac: str, port: { shape: { t: 'int', min: 1, max: 65535 } }, user: str, pass: str };

export interface InventoryHost {
  value: Raw;
  /** Path of the host entry in the inventory document. */
  at: Path;
  /** Host path -> inventory document path. */
  mapPath: (path: Path) => Path;
}

/** A 1.0/1.1 inventory document -> today's host documents, with notes on what does not carry over. */
export function inventoryHosts(v: Raw): { hosts: InventoryHost[]; notes: Note[] } {
  const notes: Note[] = [];
  const found: Finding[] = [];
  // Vaquero decoded with go-yaml, which skips keys it has no field for: unknown keys warn here.
  const check = (o: Raw, fields: Record<string, Field>, kind: string, at: Path) => checkFields(o, fields, kind, at, found);
  check(v, INVENTORY, 'Vaquero 1.x inventory', []);
  const group = typeof v.host_group === 'string' ? v.host_group : undefined;
  const subnet = typeof v.subnet === 'string' || typeof v.subnet === 'number' ? String(v.subnet) : undefined;
  const hosts: InventoryHost[] = [];
  (v.hosts as unknown[]).forEach((h, i) => {
    const at: Path = ['hosts', i];
    if (!isMapping(h)) {
      notes.push({ path: at, at: 'value', message: 'an inventory host must be a mapping (name, selectors, bmc, metadata)', dropped: true, severity: 'error' });
      return;
    }
    check(h, INVENTORY_HOST, 'inventory host', at);
    const sel = isMapping(h.selectors) ? h.selectors : {};
    for (const k of Object.keys(sel).filter((k) => k !== 'mac')) {
      notes.push({ path: [...at, 'selectors', k], at: 'key', message: ignored(`selectors.${k}`, '1.0', 'Corral knows a machine by its MAC address only'), dropped: true });
    }
    const iface: Raw = { type: 'physical' };
    if (sel.mac !== undefined) iface.mac = sel.mac;
    if (subnet !== undefined) iface.subnet = subnet;
    const host: Raw = { name: h.name, interfaces: [iface] };
    if (isMapping(h.metadata)) host.metadata = h.metadata;
    if (group !== undefined) host.workflow = group;
    const bmcMap: Record<string, Path> = {};
    if (isMapping(h.bmc)) {
      const b = h.bmc;
      check(b, INVENTORY_BMC, 'inventory bmc', [...at, 'bmc']);
      const bmc: Raw = { type: b.type ?? 'ipmi' };
      const bIface: Raw = { type: 'bmc' };
      const put = (o: Raw, key: string, from: string, path: string) => {
        // A value of the wrong type is reported above in the inventory's own terms; it is not
        // carried over, or today's checks would report it a second time under another name.
        const scratch: Finding[] = [];
        if (b[from] === undefined || !checkShape(b[from], INVENTORY_BMC[from]!.shape, [], scratch) || scratch.length) return;
        o[key] = b[from];
        bmcMap[path] = [...at, 'bmc', from];
      };
      put(bIface, 'mac', 'mac', 'mac');
      put(bIface, 'ipv4', 'ip', 'ipv4');
      put(bmc, 'port', 'port', 'bmc.port');
      put(bmc, 'username', 'user', 'bmc.username');
      put(bmc, 'password', 'pass', 'bmc.password');
      if (b.type !== undefined) bmcMap['bmc.type'] = [...at, 'bmc', 'type'];
      // The inventory's subnet is the hosts' provisioning one; BMCs sat on their own network.
      bIface.bmc = bmc;
      (host.interfaces as Raw[]).push(bIface);
    }
    const mapPath = (path: Path): Path => {
      const [k, i2, ...rest] = path;
      if (k === 'name') return [...at, 'name'];
      if (k === 'workflow') return ['host_group'];
      if (k === 'metadata') return [...at, ...path];
      if (k === 'interfaces' && i2 === 0) return rest[0] === 'subnet' ? ['subnet'] : [...at, 'selectors', ...(rest[0] === 'mac' ? ['mac'] : [])];
      if (k === 'interfaces' && i2 === 1) return bmcMap[rest.join('.')] ?? [...at, 'bmc'];
      return at;
    };
    hosts.push({ value: host, at, mapPath });
  });
  for (const f of found) {
    const unknown = f.message.startsWith('unknown field');
    notes.push({ path: f.path, at: f.at, message: unknown ? `${f.message}: ignored, as Vaquero ignored it` : f.message, dropped: unknown, severity: unknown ? 'warning' : 'error' });
  }
  return { hosts, notes };
}

// --------------------------------------------------------------------------- applying edits

/** The edits applied to a copy of `value` (the original is left as parsed). */
export function applyToValue(value: Raw, edits: Edit[]): Raw {
  const out = structuredClone(value);
  for (const e of edits) {
    if (e.op === 'delete') deleteIn(out, e.path);
    else if (e.op === 'set') setIn(out, e.path, structuredClone(e.value));
    else {
      const v = getIn(out, e.from);
      deleteIn(out, e.from);
      setIn(out, e.to, v);
    }
  }
  return out;
}

/** Path in the edited value -> path in the document as written. */
export function mapPathOf(edits: Edit[]): ((path: Path) => Path) | undefined {
  if (!edits.length) return undefined;
  return (path) => {
    let p = path;
    for (let k = edits.length - 1; k >= 0; k--) {
      const e = edits[k]!;
      if (e.op === 'move' && startsWith(p, e.to)) p = [...e.from, ...p.slice(e.to.length)];
      else if (e.op === 'set' && e.origin && startsWith(p, e.path)) p = e.origin(p.slice(e.path.length));
    }
    return p;
  };
}

function startsWith(p: Path, prefix: Path): boolean {
  return prefix.length <= p.length && prefix.every((k, i) => p[i] === k);
}

function getIn(o: unknown, path: Path): unknown {
  let cur = o;
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[k] : undefined;
  return cur;
}

function setIn(o: Raw, path: Path, v: unknown): void {
  let cur: Record<string | number, unknown> = o;
  path.forEach((k, i) => {
    if (i === path.length - 1) {
      cur[k] = v;
      return;
    }
    let next = cur[k];
    if (next === null || typeof next !== 'object') cur[k] = next = typeof path[i + 1] === 'number' ? [] : {};
    cur = next as Record<string | number, unknown>;
  });
}

function deleteIn(o: Raw, path: Path): void {
  const parent = getIn(o, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object') return;
  const k = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof k === 'number') parent.splice(k, 1);
  else delete (parent as Record<string | number, unknown>)[k];
}
