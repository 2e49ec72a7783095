// Number literals as the Go template parser reads them (parse.newNumber + exec.idealConstant):
// integers through strconv.ParseInt/ParseUint with base prefixes and underscores, floats
// through strconv.ParseFloat, character constants through UnquoteChar. The result is the JS
// value execution will use: a number, or a bigint when an int64 does not fit a double exactly.
import { goQuote, unquoteChar } from './strconv.js';

export interface NumberConstant {
  value: number | bigint;
  /** Fits uint64 but not int64: Go accepts it at parse time and fails with "overflows int" when used. */
  overflow: boolean;
}

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

function lower(c: string): string {
  return c.toLowerCase();
}

/** strconv's underscoreOK: underscores only between digits or after a base prefix. */
export function underscoreOK(text: string): boolean {
  let s = text;
  if (s.startsWith('+') || s.startsWith('-')) s = s.slice(1);
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lower(s.charAt(1)))) {
    i = 2;
    saw = '0';
    hex = lower(s.charAt(1)) === 'x';
  }
  for (; i < s.length; i++) {
    const c = s.charAt(i);
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, 0, 64); null on any error. */
function parseUint(s0: string): bigint | null {
  if (s0 === '') return null;
  let s = s0;
  let base = 10;
  if (s[0] === '0') {
    const p = s.length >= 3 ? lower(s.charAt(1)) : '';
    base = p === 'b' ? 2 : p === 'o' ? 8 : p === 'x' ? 16 : 8;
    s = p === 'b' || p === 'o' || p === 'x' ? s.slice(2) : s.slice(1);
  }
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) return null;
    n = n * BigInt(base) + BigInt(d);
    if (n > UINT64_MAX) return null;
  }
  if (underscores && !underscoreOK(s0)) return null;
  return n;
}

/** strconv.ParseInt(s, 0, 64); null on any error. */
function parseInt64(s: string): bigint | null {
  const neg = s.startsWith('-');
  const u = parseUint(s.startsWith('+') || neg ? s.slice(1) : s);
  if (u === null) return null;
  if (!neg && u > INT64_MAX) return null;
  if (neg && u > INT64_MAX + 1n) return null;
  return neg ? -u : u;
}

const DEC_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/;

/** strconv.ParseFloat(s, 64) for the syntaxes the lexer can produce; null on error or overflow. */
function parseFloat64(text: string): number | null {
  let s = text;
  if (s.includes('_')) {
    if (!underscoreOK(s)) return null;
    s = s.replace(/_/g, '');
  }
  let v: number;
  const hex = HEX_FLOAT.exec(s);
  if (hex) {
    const [, sign, int = '', frac = ''] = hex;
    if (int === '' && frac === '') return null;
    const mant = BigInt('0x' + (int + frac || '0'));
    v = Number(mant) * 2 ** (Number(hex[4]) - 4 * frac.length);
    if (sign === '-') v = -v;
  } else if (DEC_FLOAT.test(s)) {
    v = Number(s);
  } else {
    return null;
  }
  return Number.isFinite(v) ? v : null;
}

function intValue(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

/**
 * Parses a number or character-constant token. Returns the constant, or an error message in
 * Go's words ("illegal number syntax", "integer overflow", "invalid syntax").
 */
export function parseNumber(text: string, isChar: boolean): NumberConstant | string {
  if (isChar) {
    try {
      const u = unquoteChar(text, 1, 0x27);
      if (text.slice(u.next) !== "'") return `malformed character constant: ${text}`;
      return { value: u.value, overflow: false };
    } catch {
      return 'invalid syntax';
    }
  }
  if (text.endsWith('i')) return `complex constants are not supported: ${goQuote(text)}`;
  const i = parseInt64(text);
  if (i !== null) return { value: intValue(i), overflow: false };
  const u = parseUint(text);
  if (u !== null) return { value: u, overflow: true };
  const f = parseFloat64(text);
  if (f === null) return `illegal number syntax: ${goQuote(text)}`;
  // A well-formed float without '.', exponent or 'p' is an integer too large for uint64.
  if (!/[.eEpP]/.test(text)) return `integer overflow: ${goQuote(text)}`;
  return { value: f, overflow: false };
}
