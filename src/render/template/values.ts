// How JS data maps onto Go's reflect kinds. The data handed to templates is JSON-like, which in
// the Go programs these templates come from is map[string]interface{} / []interface{}:
//   undefined        → invalid reflect.Value (Go's "no value": missing map key)
//   null             → nil interface{}
//   boolean/string   → bool/string
//   number           → int when integral and within int64, float64 otherwise; bigint → int
//   array            → []interface{}
//   object, Map      → map[string]interface{} (keys iterated sorted, like fmtsort)
//   function         → func
//   Date             → time.Time (a struct: always true)

/** Marks "no piped value" (Go's missingVal), distinct from every data value. */
export const MISSING: unique symbol = Symbol('missing');
export type Missing = typeof MISSING;

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'func' | 'struct';

const INT64_LIMIT = 9223372036854775808;

export function isIntNumber(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) < INT64_LIMIT;
}

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'boolean':
      return 'bool';
    case 'number':
      return isIntNumber(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'object':
      if (v === null) return 'nil';
      if (Array.isArray(v)) return 'slice';
      return v instanceof Date ? 'struct' : 'map';
    default:
      return 'struct';
  }
}

/** The Go type name used in messages and %T. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'func':
      return 'func(...interface {}) interface {}';
    default:
      return v instanceof Date ? 'time.Time' : 'struct {}';
  }
}

function hasAnyKey(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/** Go's template truth: the zero value of each kind is false, structs are always true. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : v !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return v instanceof Map ? v.size > 0 : hasAnyKey(v as object);
    default:
      return true;
  }
}

/** Code-point (= UTF-8 byte) order, which is how Go sorts strings; JS `<` compares UTF-16 units. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : -1) : x >= 0xe000 ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

const KEY_ORDER: Record<Kind, number> = {
  invalid: 0, nil: 0, bool: 1, int: 2, float: 2, string: 3, slice: 4, map: 4, func: 4, struct: 4,
};

/** fmtsort-like ordering for Map keys of mixed types (strings by code point, numbers numerically). */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  const ka = KEY_ORDER[kindOf(a)];
  const kb = KEY_ORDER[kindOf(b)];
  if (ka !== kb) return ka - kb;
  if (ka === 1) return Number(a) - Number(b);
  if (ka === 2) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  return 0;
}

/** Entries of a map-kind value sorted by key, the order Go's range and fmt use. */
export function sortedEntries(m: object): Array<[unknown, unknown]> {
  if (m instanceof Map) return [...m.entries()].sort((x, y) => compareKeys(x[0], y[0]));
  const rec = m as Record<string, unknown>;
  return Object.keys(rec)
    .sort(compareStrings)
    .map((k) => [k, rec[k]]);
}

/** Number of entries of a map-kind value (Go len). */
export function mapSize(m: object): number {
  return m instanceof Map ? m.size : Object.keys(m).length;
}

/** Go's time.Time.String() for a Date, in UTC: 2006-01-02 15:04:05.999999999 +0000 UTC. */
export function goTimeString(d: Date): string {
  const iso = d.toISOString(); // 2006-01-02T15:04:05.123Z
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? '.' + frac : ''} +0000 UTC`;
}
