// The options area of a DHCP message: TLV scanning with pad/end (RFC 2132 §2), long options
// split into several instances and concatenated back (RFC 3396), and the layout of options over
// the options, file and sname fields when they overflow (option 52, RFC 2131 §4.1, RFC 2132 §9.3).
import { Opt } from './options.js';
import { DhcpCodecError, concatBytes } from './reader.js';

export type OptionField = 'options' | 'file' | 'sname';

/** One option instance as found on the wire (before RFC 3396 concatenation). */
export interface OptionInstance {
  code: number;
  data: Uint8Array;
  field: OptionField;
}

/**
 * Scans [start, end) for options up to the end option, appending instances to `out`.
 * An area without an end option is malformed (RFC 2131 §4.1: every used area ends with 255).
 */
export function scanOptionArea(buf: Uint8Array, start: number, end: number, field: OptionField, out: OptionInstance[]): void {
  let i = start;
  while (i < end) {
    const code = buf[i]!;
    if (code === Opt.pad) {
      i += 1;
      continue;
    }
    if (code === Opt.end) return;
    if (i + 2 > end) throw new DhcpCodecError(`option ${code} truncated`);
    const len = buf[i + 1]!;
    if (i + 2 + len > end) throw new DhcpCodecError(`option ${code} truncated`);
    out.push({ code, data: buf.slice(i + 2, i + 2 + len), field });
    i += 2 + len;
  }
  throw new DhcpCodecError(field === 'options' ? 'unterminated options' : `unterminated options in ${field} field`);
}

/** RFC 3396 §7: all instances of one code, in wire order (options, file, sname), form one value. */
export function concatInstances(instances: readonly OptionInstance[]): Map<number, Uint8Array> {
  const parts = new Map<number, Uint8Array[]>();
  for (const inst of instances) {
    const list = parts.get(inst.code);
    if (list) list.push(inst.data);
    else parts.set(inst.code, [inst.data]);
  }
  const out = new Map<number, Uint8Array>();
  for (const [code, list] of parts) out.set(code, list.length === 1 ? list[0]! : concatBytes(list));
  return out;
}

/** The order options are written in: 53 first, 54 next, the rest as inserted, 82 last (RFC 3046 §2.2). */
export function orderedCodes(options: ReadonlyMap<number, Uint8Array>): number[] {
  const first = [Opt.messageType, Opt.serverId].filter((c) => options.has(c));
  const last = options.has(Opt.relayAgentInfo) ? [Opt.relayAgentInfo] : [];
  const skip = new Set<number>([...first, ...last]);
  return [...first, ...[...options.keys()].filter((c) => !skip.has(c)), ...last];
}

/** One wire instance: code, length, up to 255 bytes of value. */
export interface Atom {
  code: number;
  bytes: Uint8Array;
}

/** RFC 3396 §6: a value longer than 255 bytes goes out as consecutive instances of the same code. */
export function optionAtoms(code: number, value: Uint8Array): Atom[] {
  const atoms: Atom[] = [];
  let at = 0;
  do {
    const chunk = value.subarray(at, at + 255);
    const bytes = new Uint8Array(2 + chunk.length);
    bytes[0] = code;
    bytes[1] = chunk.length;
    bytes.set(chunk, 2);
    atoms.push({ code, bytes });
    at += 255;
  } while (at < value.length);
  return atoms;
}

/** Where each field's options go: the atoms in field order (each field then gets an end option). */
export interface OptionLayout {
  options: Atom[];
  file?: Atom[];
  sname?: Atom[];
}

const FIELD_SIZE = { file: 128, sname: 64 } as const;

function size(atoms: readonly Atom[]): number {
  return atoms.reduce((n, a) => n + a.bytes.length, 0);
}

/**
 * Lays the atoms out within `optionsCap` bytes of options field (end option included), spilling
 * into file and/or sname (when `free`) with option 52 when they do not fit. Options are moved
 * whole, never split across fields, because PXE ROMs do not implement RFC 3396; instances of one
 * code keep their order across fields, as RFC 3396 §7 concatenation requires.
 */
export function layoutOptions(atoms: readonly Atom[], optionsCap: number, free: { file: boolean; sname: boolean }): OptionLayout {
  const need = size(atoms) + 1;
  if (need <= optionsCap) return { options: [...atoms] };
  const spill = (['file', 'sname'] as const).filter((f) => free[f]);
  if (spill.length === 0) {
    throw new DhcpCodecError(`options need ${need} bytes, only ${optionsCap} fit and file/sname are in use`);
  }
  if (optionsCap < 4) throw new DhcpCodecError(`options need ${need} bytes, no room for option 52 in ${optionsCap}`);
  const fields: { name: OptionField; cap: number; atoms: Atom[] }[] = [
    { name: 'options', cap: optionsCap - 1 - 3, atoms: [] }, // room for end and option 52
    ...spill.map((f) => ({ name: f, cap: FIELD_SIZE[f] - 1, atoms: [] as Atom[] })),
  ];
  const lastField = new Map<number, number>();
  for (const atom of atoms) {
    const from = lastField.get(atom.code) ?? 0;
    const f = fields.findIndex((fld, i) => i >= from && size(fld.atoms) + atom.bytes.length <= fld.cap);
    if (f < 0) throw new DhcpCodecError(`options need ${need} bytes, more than fit even with option 52 overload`);
    fields[f]!.atoms.push(atom);
    lastField.set(atom.code, f);
  }
  return withOverload(fields);
}

function withOverload(fields: { name: OptionField; atoms: Atom[] }[]): OptionLayout {
  const layout: OptionLayout = { options: fields[0]!.atoms };
  let overload = 0;
  for (const fld of fields.slice(1)) {
    if (fld.atoms.length === 0) continue;
    if (fld.name === 'file') {
      layout.file = fld.atoms;
      overload |= 1;
    } else {
      layout.sname = fld.atoms;
      overload |= 2;
    }
  }
  // RFC 2131 §4.1: option 52 MUST be in the options field; placed after 53/54.
  const at = layout.options.findIndex((a) => a.code !== Opt.messageType && a.code !== Opt.serverId);
  const o52 = { code: Opt.overload, bytes: Uint8Array.of(Opt.overload, 1, overload) };
  layout.options.splice(at < 0 ? layout.options.length : at, 0, o52);
  return layout;
}

/** Writes atoms then an end option at `at`; returns the offset after the end option. */
export function writeAtoms(buf: Uint8Array, at: number, atoms: readonly Atom[]): number {
  let p = at;
  for (const a of atoms) {
    buf.set(a.bytes, p);
    p += a.bytes.length;
  }
  buf[p] = Opt.end;
  return p + 1;
}
