// fmt.Sprint, Sprintln and Sprintf as the template builtins print, printf and println use
// them, plus formatValue, the %v rendering of an action's result ({{.x}}). The directive parser
// follows Go's doPrintf: flags, [n] argument indexes, * widths, and the %!verb(...) error forms.
import { Printer } from './printer.js';
import { isIntNumber, typeName } from './values.js';

/** fmt.Sprint: spaces are added between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(arg, 'v');
    prevString = isString;
  });
  return p.buf;
}

/** fmt.Sprintln: always a space between operands, and a trailing newline. */
export function sprintln(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0) p.buf += ' ';
    p.printArg(arg, 'v');
  });
  return p.buf + '\n';
}

/** %v of one value, with fast paths for the scalars templates print most. */
export function formatValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (isIntNumber(v) && Math.abs(v) < 1e21) return String(v === 0 ? 0 : v);
      break;
    case 'bigint':
      return v.toString();
  }
  const p = new Printer();
  p.printArg(v, 'v');
  return p.buf;
}

const TOO_LARGE = 1e6; // Go refuses widths and precisions beyond a million.

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** parsenum: a decimal number at s[i:end], or none (and end) when absent or too large. */
function parseNum(s: string, i: number, end: number): { num: number; ok: boolean; next: number } {
  let num = 0;
  let ok = false;
  let j = i;
  for (; j < end && isDigit(s.charAt(j)); j++) {
    if (num > TOO_LARGE) return { num: 0, ok: false, next: end };
    num = num * 10 + (s.charCodeAt(j) - 48);
    ok = true;
  }
  return { num, ok, next: j };
}

/** An int operand for '*' width or precision. */
function intArg(a: readonly unknown[], argNum: number): { num: number; ok: boolean; next: number } {
  if (argNum >= a.length) return { num: 0, ok: false, next: argNum };
  const v = a[argNum];
  let num = 0;
  let ok = false;
  if (typeof v === 'number' && isIntNumber(v)) [num, ok] = [v, true];
  else if (typeof v === 'bigint') [num, ok] = [Number(v), true];
  if (Math.abs(num) > TOO_LARGE) [num, ok] = [0, false];
  return { num, ok, next: argNum + 1 };
}

class Formatter {
  readonly p = new Printer();
  argNum = 0;
  reordered = false;
  goodArgNum = true;

  constructor(
    private readonly format: string,
    private readonly a: readonly unknown[],
  ) {}

  /** An explicit [n] argument index at i, if any. */
  private argNumber(i: number): { next: number; found: boolean } {
    const f = this.format;
    if (i >= f.length || f[i] !== '[') return { next: i, found: false };
    this.reordered = true;
    const close = f.indexOf(']', i + 1);
    if (f.length - i < 3 || close < 0) {
      this.goodArgNum = false;
      return { next: i + 1, found: false };
    }
    const n = parseNum(f, i + 1, close);
    if (!n.ok || n.next !== close) {
      this.goodArgNum = false;
      return { next: close + 1, found: false };
    }
    const index = n.num - 1;
    if (index >= 0 && index < this.a.length) {
      this.argNum = index;
      return { next: close + 1, found: true };
    }
    this.goodArgNum = false;
    return { next: close + 1, found: true };
  }

  private flags(i: number): number {
    const p = this.p;
    for (; i < this.format.length; i++) {
      switch (this.format[i]) {
        case '#': p.sharp = true; break;
        case '0': p.zero = !p.minus; break; // only pad with zeros on the left
        case '+': p.plus = true; break;
        case '-': p.minus = true; p.zero = false; break;
        case ' ': p.space = true; break;
        default: return i;
      }
    }
    return i;
  }

  /** One directive starting just after '%'; returns the index after it, or -1 to stop. */
  private directive(start: number): number {
    const { p, format: f } = this;
    const end = f.length;
    p.clearFlags();
    let i = this.flags(start);
    let idx = this.argNumber(i);
    i = idx.next;
    let afterIndex = idx.found;
    if (i < end && f[i] === '*') {
      i++;
      const w = intArg(this.a, this.argNum);
      [p.wid, p.widPresent, this.argNum] = [w.num, w.ok, w.next];
      if (!p.widPresent) p.buf += '%!(BADWIDTH)';
      if (p.wid < 0) [p.wid, p.minus, p.zero] = [-p.wid, true, false];
      afterIndex = false;
    } else {
      const w = parseNum(f, i, end);
      [p.wid, p.widPresent, i] = [w.num, w.ok, w.next];
      if (afterIndex && p.widPresent) this.goodArgNum = false; // "%[3]2d"
    }
    if (i + 1 < end && f[i] === '.') {
      i++;
      if (afterIndex) this.goodArgNum = false; // "%[3].2d"
      idx = this.argNumber(i);
      [i, afterIndex] = [idx.next, idx.found];
      if (i < end && f[i] === '*') {
        i++;
        const w = intArg(this.a, this.argNum);
        [p.prec, p.precPresent, this.argNum] = [w.num, w.ok, w.next];
        if (p.prec < 0) [p.prec, p.precPresent] = [0, false];
        if (!w.ok) p.buf += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const n = parseNum(f, i, end);
        [p.prec, p.precPresent, i] = [n.num, true, n.next];
      }
    }
    if (!afterIndex) i = this.argNumber(i).next;
    if (i >= end) {
      p.buf += '%!(NOVERB)';
      return -1;
    }
    const verb = String.fromCodePoint(f.codePointAt(i)!);
    i += verb.length;
    this.verb(verb);
    return i;
  }

  private verb(verb: string): void {
    const p = this.p;
    if (verb === '%') p.buf += '%';
    else if (!this.goodArgNum) p.buf += `%!${verb}(BADINDEX)`;
    else if (this.argNum >= this.a.length) p.buf += `%!${verb}(MISSING)`;
    else {
      if (verb === 'v') {
        [p.sharpV, p.sharp, p.plusV, p.plus] = [p.sharp, false, p.plus, false];
      }
      p.printArg(this.a[this.argNum], verb);
      this.argNum++;
    }
  }

  run(): string {
    const { p, format: f } = this;
    let i = 0;
    while (i < f.length) {
      this.goodArgNum = true;
      const pct = f.indexOf('%', i);
      if (pct < 0) {
        p.buf += f.slice(i);
        break;
      }
      p.buf += f.slice(i, pct);
      i = this.directive(pct + 1);
      if (i < 0) break;
    }
    this.extra();
    return p.buf;
  }

  /** Unused operands are reported unless indexes reordered them, as Go does. */
  private extra(): void {
    if (this.reordered || this.argNum >= this.a.length) return;
    const p = this.p;
    p.clearFlags();
    p.buf += '%!(EXTRA ';
    this.a.slice(this.argNum).forEach((arg, i) => {
      if (i > 0) p.buf += ', ';
      if (arg === undefined || arg === null) p.buf += '<nil>';
      else {
        p.buf += typeName(arg) + '=';
        p.printArg(arg, 'v');
      }
    });
    p.buf += ')';
  }
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  return new Formatter(format, args).run();
}
