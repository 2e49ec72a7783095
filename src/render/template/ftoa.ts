// strconv.FormatFloat(v, fmt, prec, 64) for fmt in e, E, f, g, G. Go rounds the exact binary
// value half-to-even, which differs from Number.prototype.toFixed on exact ties (0.125 → %.2f
// is 0.12 in Go, 0.13 in JS), so fixed precision goes through an exact BigInt decimal expansion.
// Shortest formatting uses the JS shortest round-trip digits, which both languages define the
// same way (closest shortest digit string).

interface Digits {
  d: string; // significant digits, no leading or trailing zeros ("" for zero)
  dp: number; // decimal point position: value = 0.d × 10^dp
}

const view = new DataView(new ArrayBuffer(8));

/** Exact decimal expansion of a finite, non-negative double. */
function exactDigits(a: number): Digits {
  if (a === 0) return { d: '', dp: 0 };
  view.setFloat64(0, a);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2 = -1074;
  if (expBits !== 0) {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let s: string;
  let dp: number;
  if (e2 >= 0) {
    s = (mant << BigInt(e2)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e2)).toString();
    dp = s.length + e2;
  }
  return { d: s.replace(/0+$/, ''), dp };
}

function shortestDigits(a: number): Digits {
  if (a === 0) return { d: '', dp: 0 };
  const [m = '', e = '0'] = a.toExponential().split('e');
  return { d: m.replace('.', '').replace(/0+$/, ''), dp: Number(e) + 1 };
}

/** decimal.Round(nd) from strconv: half to even on exact ties, no-op outside 0..len-1. */
function round(x: Digits, nd: number): Digits {
  const { d } = x;
  if (nd < 0 || nd >= d.length) return x;
  const c = d.charCodeAt(nd);
  let up: boolean;
  if (c === 0x35 && nd + 1 === d.length) up = nd > 0 && (d.charCodeAt(nd - 1) - 0x30) % 2 === 1;
  else up = c >= 0x35;
  if (!up) return { d: d.slice(0, nd).replace(/0+$/, ''), dp: x.dp };
  let i = nd - 1;
  while (i >= 0 && d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  return { d: d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1), dp: x.dp };
}

function fmtE(neg: boolean, x: Digits, prec: number, e: string): string {
  let out = neg ? '-' : '';
  out += x.d.length === 0 ? '0' : x.d[0];
  if (prec > 0) {
    out += '.' + x.d.slice(1, Math.min(x.d.length, prec + 1));
    const have = Math.max(Math.min(x.d.length, prec + 1) - 1, 0);
    out += '0'.repeat(prec - have);
  }
  let exp = x.d.length === 0 ? 0 : x.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return out + e + sign + (exp < 10 ? '0' + exp : String(exp));
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let out = neg ? '-' : '';
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    out += x.d.slice(0, m) + '0'.repeat(x.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      out += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return out;
}

export type FloatFmt = 'e' | 'E' | 'f' | 'g' | 'G';

/** strconv.FormatFloat(v, fmt, prec, 64); prec < 0 means shortest. */
export function formatFloat(v: number, fmt: FloatFmt, precIn: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  const shortest = precIn < 0;
  let prec = precIn;
  let x: Digits;
  if (shortest) {
    x = shortestDigits(a);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(x.d.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(x.d.length - x.dp, 0);
    else prec = x.d.length;
  } else {
    const exact = exactDigits(a);
    if (fmt === 'e' || fmt === 'E') x = round(exact, prec + 1);
    else if (fmt === 'f') x = round(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      x = round(exact, prec);
    }
  }
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, x, prec, fmt);
  if (fmt === 'f') return fmtF(neg, x, prec);
  // %e is used if the exponent is < -4 or >= the precision (6 when shortest, as in Go).
  let eprec = prec;
  if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
  if (shortest) eprec = 6;
  const exp = x.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > x.d.length) prec = x.d.length;
    return fmtE(neg, x, prec - 1, fmt === 'g' ? 'e' : 'E');
  }
  if (prec > x.dp) prec = x.d.length;
  return fmtF(neg, x, Math.max(prec - x.dp, 0));
}

/**
 * fmt's '#' flag on a formatted float (with its sign): always print a decimal point and, for
 * %g, keep trailing zeros up to the precision (6 by default).
 */
export function keepDecimalPoint(num: string, verb: FloatFmt, prec: number): string {
  let digits = verb === 'g' || verb === 'G' ? (prec === -1 ? 6 : prec) : 0;
  let tail = '';
  let hasPoint = false;
  let sawNonzero = false;
  let body = num;
  for (let i = 1; i < body.length; i++) {
    const c = body.charAt(i);
    if (c === '.') hasPoint = true;
    else if (c === 'e' || c === 'E') {
      tail = body.slice(i);
      body = body.slice(0, i);
      break;
    } else {
      if (c !== '0') sawNonzero = true;
      if (sawNonzero) digits--;
    }
  }
  if (!hasPoint) {
    if (body.length === 2 && body[1] === '0') digits--;
    body += '.';
  }
  if (digits > 0) body += '0'.repeat(digits);
  return body + tail;
}
