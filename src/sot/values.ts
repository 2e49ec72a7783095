// Reading already shape-checked YAML values: tolerant accessors that fall back to a default
// (the shape checker has reported anything wrong already).
import { isMapping } from './shape.js';

export type Raw = Record<string, unknown>;

export function asRaw(v: unknown): Raw {
  return isMapping(v) ? v : {};
}

export function optStr(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function strList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.map(optStr).filter((s): s is string => s !== undefined) : [];
}

export function optInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function optBool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export function mapOf(v: unknown): Record<string, unknown> {
  return isMapping(v) ? { ...v } : {};
}

export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isMapping(v)) for (const [k, x] of Object.entries(v)) { const s = optStr(x); if (s !== undefined) out[k] = s; }
  return out;
}

/** Records of `items` by key, for duplicate detection: returns the keys seen more than once. */
export function duplicates<T>(items: T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const l = by.get(k);
    if (l) l.push(it);
    else by.set(k, [it]);
  }
  for (const [k, l] of by) if (l.length < 2) by.delete(k);
  return by;
}
