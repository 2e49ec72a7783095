// A tiny declarative shape checker for parsed YAML: unknown fields, missing fields and wrong
// types are reported with the path that points at them, so the locator can turn the path into
// file:line:col. Kept generic on purpose: the SoT kinds are described as data in schema.ts.

export type Path = (string | number)[];

/** A path as a linked list while checking: no array copy per field (a 10,000-host SoT has ~1M). */
type Trail = { readonly up: Trail; readonly key: string | number } | null;

function toPath(t: Trail): Path {
  const out: Path = [];
  for (let n = t; n; n = n.up) out.push(n.key);
  return out.reverse();
}

function fromPath(p: Path): Trail {
  let t: Trail = null;
  for (const key of p) t = { up: t, key };
  return t;
}

function badType(out: Finding[], trail: Trail, value: unknown, expected: string): false {
  const path = toPath(trail);
  out.push({ path, at: 'value', message: `${describePath(path)} must be ${expected}, not ${typeName(value)}` });
  return false;
}

function valueProblem(out: Finding[], trail: Trail, message: (where: string) => string): false {
  const path = toPath(trail);
  out.push({ path, at: 'value', message: message(describePath(path)) });
  return false;
}

/** Where a finding points: the key of the field, or its value. */
export interface Finding {
  path: Path;
  at: 'key' | 'value';
  message: string;
  severity?: 'error' | 'warning';
}

export type Shape =
  | { t: 'string'; enum?: readonly string[]; pattern?: RegExp; hint?: string }
  | { t: 'int'; min?: number; max?: number }
  | { t: 'number'; min?: number }
  | { t: 'bool' }
  /** Free-form mapping (metadata, labels…). */
  | { t: 'map'; values?: Shape }
  | { t: 'any' }
  | { t: 'list'; of: Shape; min?: number }
  | { t: 'object'; fields: Record<string, Field>; name: string }
  /** One of several shapes, tried in order by their outer type (e.g. a string or an object). */
  | { t: 'oneOf'; options: Shape[]; describe: string }
  /** Size in bytes: a number (GiB) or a string with a unit ("64G", "1.5T", "512MiB"). */
  | { t: 'size' }
  /** Duration in seconds: a number (hours) or a string with a unit ("30m", "12h", "2d"). */
  | { t: 'duration' };

export interface Field {
  shape: Shape;
  required?: boolean;
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([KMGTP]?)(i?B?)$/i;
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i;
const SIZE_UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Bytes from "64G" (binary units), a bare number meaning GiB; undefined when unreadable. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 0 ? Math.round(v * 2 ** 30) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = SIZE_RE.exec(v.trim());
  if (!m) return undefined;
  const unit = m[2]!.toUpperCase();
  // A bare number inside a string ("64") reads like the bare number: GiB.
  const mult = unit === '' && m[3] === '' ? 2 ** 30 : SIZE_UNITS[unit]!;
  return Math.round(Number(m[1]) * mult);
}

/** Seconds from "12h"/"30m"/"2d", a bare number meaning hours (vmpooler's unit). */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 0 ? Math.round(v * 3600) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = DURATION_RE.exec(v.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!);
}

/** Checks `value` against `shape`; appends findings. Returns true when the outer type fits. */
export function checkShape(value: unknown, shape: Shape, path: Path, out: Finding[]): boolean {
  return check(value, shape, fromPath(path), out);
}

function check(value: unknown, shape: Shape, trail: Trail, out: Finding[]): boolean {
  switch (shape.t) {
    case 'any':
      return true;
    case 'string': {
      // YAML reads 1.5 or 7 as numbers; a string field takes them as their text.
      if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
      if (typeof value !== 'string') return badType(out, trail, value, 'a string');
      if (shape.enum && !shape.enum.includes(value)) {
        return valueProblem(out, trail, (w) => `${w} must be one of ${shape.enum!.join(', ')}, not "${value}"`);
      }
      if (shape.pattern && !shape.pattern.test(value)) {
        return valueProblem(out, trail, (w) => `${w} "${value}" is not ${shape.hint ?? 'valid'}`);
      }
      return true;
    }
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return badType(out, trail, value, 'an integer');
      if ((shape.min !== undefined && value < shape.min) || (shape.max !== undefined && value > shape.max)) {
        const range = shape.max === undefined ? `at least ${shape.min}` : `between ${shape.min ?? '-∞'} and ${shape.max}`;
        return valueProblem(out, trail, (w) => `${w} must be ${range}, not ${value}`);
      }
      return true;
    case 'number':
      if (typeof value !== 'number') return badType(out, trail, value, 'a number');
      if (shape.min !== undefined && value < shape.min) return badType(out, trail, value, `at least ${shape.min}`);
      return true;
    case 'bool':
      return typeof value === 'boolean' || badType(out, trail, value, 'true or false');
    case 'size':
      return parseSize(value) !== undefined || badType(out, trail, value, 'a size such as 64G, 960G or 1.5T');
    case 'duration':
      return parseDuration(value) !== undefined || badType(out, trail, value, 'a duration in hours or with a unit (30m, 12h, 2d)');
    case 'map':
      if (value === null || value === undefined) return true;
      if (!isMapping(value)) return badType(out, trail, value, 'a mapping');
      if (shape.values) for (const k in value) check(value[k], shape.values, { up: trail, key: k }, out);
      return true;
    case 'list':
      if (!Array.isArray(value)) return badType(out, trail, value, 'a list');
      if (shape.min !== undefined && value.length < shape.min) {
        valueProblem(out, trail, (w) => `${w} needs at least ${shape.min} entr${shape.min === 1 ? 'y' : 'ies'}`);
      }
      for (let i = 0; i < value.length; i++) check(value[i], shape.of, { up: trail, key: i }, out);
      return true;
    case 'object':
      if (!isMapping(value)) return badType(out, trail, value, `a mapping (${shape.name})`);
      fields(value, shape.fields, shape.name, trail, out);
      return true;
    case 'oneOf': {
      for (const opt of shape.options) {
        if (outerFits(value, opt)) return check(value, opt, trail, out);
      }
      return badType(out, trail, value, shape.describe);
    }
  }
}

function outerFits(value: unknown, s: Shape): boolean {
  switch (s.t) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number';
    case 'int':
    case 'number':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    case 'object':
    case 'map':
      return isMapping(value);
    case 'list':
      return Array.isArray(value);
    default:
      return true;
  }
}

/** Reports unknown and missing fields of one mapping, then checks each known field. */
export function checkFields(obj: Record<string, unknown>, known: Record<string, Field>, kind: string, path: Path, out: Finding[]): void {
  fields(obj, known, kind, fromPath(path), out);
}

const requiredCache = new WeakMap<Record<string, Field>, string[]>();

function fields(obj: Record<string, unknown>, known: Record<string, Field>, kind: string, trail: Trail, out: Finding[]): void {
  for (const key in obj) {
    const f = known[key];
    if (!f) {
      const near = suggest(key, Object.keys(known));
      out.push({ path: toPath({ up: trail, key }), at: 'key', message: `unknown field "${key}" in ${kind}${near ? ` (did you mean "${near}"?)` : ''}` });
      continue;
    }
    const v = obj[key];
    if ((v === null || v === undefined) && !f.required) continue;
    check(v, f.shape, { up: trail, key }, out);
  }
  let required = requiredCache.get(known);
  if (!required) requiredCache.set(known, (required = Object.keys(known).filter((k) => known[k]!.required)));
  for (const key of required) {
    const v = obj[key];
    if (v === undefined || v === null || v === '') out.push({ path: toPath(trail), at: 'key', message: `missing field "${key}" in ${kind}` });
  }
}

export function describePath(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || 'document';
}

/** The closest known name within edit distance 2, for "did you mean" hints. */
function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
