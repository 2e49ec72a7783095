// Go's predefined template functions (text/template funcs.go) over JS values. Each function
// throws a plain Error whose message is Go's; the executor wraps it as
// "error calling <name>: <message>". and/or are evaluated lazily by the executor itself.
import { sprint, sprintf, sprintln, formatValue } from './fmt.js';
import { isAscii, isPrint, utf8Bytes, utf8Decode, utf8Len } from './strconv.js';
import { compareStrings, isIntNumber, kindOf, mapSize, typeName, isTrue, type Kind } from './values.js';

/** How an argument is converted before the call (Go's parameter type). */
export type ParamKind = 'value' | 'any' | 'string';

export interface Builtin {
  /** Fixed parameters; variadic functions accept more. */
  fixed: number;
  variadic: boolean;
  /** Kind of the first parameter (printf's format is a string). */
  first: ParamKind;
  fn(args: unknown[], callee: string): unknown;
}

/** Go's indirectInterface: a nil interface becomes "no value". */
function indirect(v: unknown): unknown {
  return v === null ? undefined : v;
}

function indexArg(v: unknown, cap: number): number {
  let x: number;
  if (typeof v === 'number' && isIntNumber(v)) x = v;
  else if (typeof v === 'bigint') x = Number(v);
  else if (v === undefined) throw new Error('cannot index slice/array with nil');
  else throw new Error(`cannot index slice/array with type ${typeName(v)}`);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function indexOne(item: unknown, key: unknown): unknown {
  if (item === null) throw new Error('index of nil pointer');
  if (typeof item === 'string') {
    const bytes = isAscii(item) ? null : utf8Bytes(item);
    const n = bytes ? bytes.length : item.length;
    const x = indexArg(key, n);
    if (x === n) throw new Error('reflect: string index out of range');
    return bytes ? bytes[x] : item.charCodeAt(x);
  }
  if (Array.isArray(item)) {
    const x = indexArg(key, item.length);
    if (x === item.length) throw new Error('reflect: slice index out of range');
    return item[x] === undefined ? null : item[x];
  }
  if (kindOf(item) === 'map') {
    if (item instanceof Map) return item.has(key) ? item.get(key) : null;
    if (key === undefined) throw new Error('value is nil; should be of type string');
    if (typeof key !== 'string') throw new Error(`value has type ${typeName(key)}; should be string`);
    const rec = item as Record<string, unknown>;
    // A missing key yields the zero value of interface{}: nil.
    return Object.hasOwn(rec, key) && rec[key] !== undefined ? rec[key] : null;
  }
  throw new Error(`can't index item of type ${typeName(item)}`);
}

function index(args: unknown[]): unknown {
  let item = indirect(args[0]);
  if (item === undefined) throw new Error('index of untyped nil');
  for (let i = 1; i < args.length; i++) item = indexOne(item, indirect(args[i]));
  return item;
}

function slice(args: unknown[]): unknown {
  const item = indirect(args[0]);
  if (item === undefined) throw new Error('slice of untyped nil');
  const idx = args.slice(1).map(indirect);
  if (idx.length > 3) throw new Error(`too many slice indexes: ${idx.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (idx.length === 3) throw new Error('cannot 3-index slice a string');
    len = utf8Len(item);
  } else if (Array.isArray(item)) {
    len = item.length;
  } else {
    throw new Error(`can't slice item of type ${typeName(item)}`);
  }
  const x = [0, len, len];
  idx.forEach((v, i) => (x[i] = indexArg(v, len)));
  const [lo = 0, hi = len, max = len] = x;
  if (lo > hi) throw new Error(`invalid slice index: ${lo} > ${hi}`);
  if (idx.length === 3 && hi > max) throw new Error(`invalid slice index: ${hi} > ${max}`);
  if (Array.isArray(item)) return item.slice(lo, hi);
  const s = item as string;
  return isAscii(s) ? s.slice(lo, hi) : utf8Decode(utf8Bytes(s).subarray(lo, hi));
}

function length(args: unknown[]): number {
  const v = args[0];
  if (v === null) throw new Error('len of nil pointer');
  if (v === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (typeof v === 'string') return utf8Len(v);
  if (Array.isArray(v)) return v.length;
  if (kindOf(v) === 'map') return mapSize(v as object);
  throw new Error(`len of type ${typeName(v)}`);
}

// Comparison kinds: JS cannot tell int from float data, so both are one numeric kind.
type CmpKind = 'bool' | 'number' | 'string' | 'other';

function cmpKind(k: Kind): CmpKind {
  if (k === 'int' || k === 'float') return 'number';
  return k === 'bool' || k === 'string' ? k : 'other';
}

function eq2(a: unknown, b: unknown): boolean {
  const ka = cmpKind(kindOf(a));
  const kb = cmpKind(kindOf(b));
  if (ka !== kb) {
    if (a !== undefined && b !== undefined) {
      throw new Error(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
    }
    return false;
  }
  // eslint-disable-next-line eqeqeq -- number and bigint compare by value
  if (ka !== 'other') return typeof a === typeof b ? a === b : a == b;
  if (a === undefined || b === undefined) return a === b;
  const kinds = [kindOf(a), kindOf(b)];
  if (kinds[0] !== kinds[1]) {
    throw new Error(`non-comparable types ${sprintf('%s', [a])}: ${typeName(a)}, ${typeName(b)}: ${formatValue(b)}`);
  }
  if (kinds[0] === 'struct' && a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  throw new Error(`non-comparable type ${sprintf('%s', [b])}: ${typeName(b)}`);
}

function eq(args: unknown[]): boolean {
  const a = indirect(args[0]);
  if (args.length < 2) throw new Error('missing argument for comparison');
  for (let i = 1; i < args.length; i++) if (eq2(a, indirect(args[i]))) return true;
  return false;
}

function lt(args: unknown[]): boolean {
  const a = indirect(args[0]);
  const b = indirect(args[1]);
  const ka = cmpKind(kindOf(a));
  if (ka === 'other') throw new Error('invalid type for comparison');
  const kb = cmpKind(kindOf(b));
  if (kb === 'other') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
  if (ka === 'bool') throw new Error('invalid type for comparison');
  if (ka === 'string') return compareStrings(a as string, b as string) < 0;
  return (a as number) < (b as number);
}

const le = (args: unknown[]): boolean => lt(args) || eq(args);

/** The text of html/js/urlquery arguments: Sprint, with nil printed as "<no value>". */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

const HTML_ESCAPES: Record<string, string> = { '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c] ?? c);
}

const JS_ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    const special = JS_ESCAPES[ch];
    if (special !== undefined && Object.hasOwn(JS_ESCAPES, ch)) out += special;
    else if (r < 0x20) out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    else if (r < 0x80 || isPrint(r)) out += ch;
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape: everything but [A-Za-z0-9-_.~] is %XX-escaped, space becomes '+'. */
export function queryEscape(s: string): string {
  const wellFormed = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\uFFFD');
  return encodeURIComponent(wellFormed)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

function call(args: unknown[], callee: string): unknown {
  const fn = indirect(args[0]);
  if (fn === undefined) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function ${callee} of type ${typeName(fn)}`);
  return (fn as (...a: unknown[]) => unknown)(...args.slice(1));
}

function spec(fixed: number, variadic: boolean, fn: Builtin['fn'], first: ParamKind = 'value'): Builtin {
  return { fixed, variadic, fn, first };
}

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['and', spec(1, true, () => undefined)],
  ['or', spec(1, true, () => undefined)],
  ['not', spec(1, false, (a) => !isTrue(a[0]))],
  ['len', spec(1, false, length)],
  ['index', spec(1, true, index)],
  ['slice', spec(1, true, slice)],
  ['call', spec(1, true, call)],
  ['print', spec(0, true, (a) => sprint(a), 'any')],
  ['println', spec(0, true, (a) => sprintln(a), 'any')],
  ['printf', spec(1, true, (a) => sprintf(a[0] as string, a.slice(1)), 'string')],
  ['html', spec(0, true, (a) => htmlEscape(evalArgs(a)), 'any')],
  ['js', spec(0, true, (a) => jsEscape(evalArgs(a)), 'any')],
  ['urlquery', spec(0, true, (a) => queryEscape(evalArgs(a)), 'any')],
  ['eq', spec(1, true, eq)],
  ['ne', spec(2, false, (a) => !eq(a))],
  ['lt', spec(2, false, lt)],
  ['le', spec(2, false, le)],
  ['gt', spec(2, false, (a) => !le(a))],
  ['ge', spec(2, false, (a) => !lt(a))],
]);
