// The formatting core of Go's fmt package (pp + fmt), reduced to the kinds template data can
// have. printArg(arg, verb) is what Sprint/Sprintf call per operand; flags live on the printer
// between the directive parser (fmt.ts) and these formatters, exactly as in Go.
import { formatFloat, keepDecimalPoint, type FloatFmt } from './ftoa.js';
import { canBackquote, goQuote, isPrint, quoteRune, runeCount, utf8Bytes } from './strconv.js';
import { goTimeString, isIntNumber, sortedEntries, typeName } from './values.js';

export class Printer {
  buf = '';
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  widPresent = false;
  precPresent = false;
  wid = 0;
  prec = 0;
  private arg: unknown = undefined;
  // Containers being printed, so self-referencing data prints a marker instead of recursing forever.
  private stack: object[] = [];

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = this.widPresent = this.precPresent = false;
    this.wid = this.prec = 0;
  }

  private writePadding(n: number): void {
    if (n > 0) this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  /** Pads s to the width (counted in runes), on the left unless '-' was given. */
  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const n = this.wid - runeCount(s);
    if (this.minus) {
      this.buf += s;
      this.writePadding(n);
    } else {
      this.writePadding(n);
      this.buf += s;
    }
  }

  private padNoZero(s: string): void {
    const z = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = z;
  }

  private truncate(s: string): string {
    if (!this.precPresent) return s;
    let n = this.prec;
    let i = 0;
    for (const ch of s) {
      if (n-- <= 0) return s.slice(0, i);
      i += ch.length;
    }
    return s;
  }

  badVerb(verb: string): void {
    const arg = this.arg;
    this.buf += '%!' + verb + '(';
    if (arg === undefined || arg === null) this.buf += '<nil>';
    else {
      this.buf += typeName(arg) + '=';
      this.printArg(arg, 'v');
    }
    this.buf += ')';
    this.arg = arg;
  }

  private fmtInteger(v: number | bigint, base: number, verb: string, upper: boolean): void {
    const negative = v < 0;
    const mag = negative ? -v : v;
    let digits = typeof mag === 'number' && mag <= Number.MAX_SAFE_INTEGER ? mag.toString(base) : BigInt(mag).toString(base);
    if (upper) digits = digits.toUpperCase();
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      // Precision 0 and value 0 means "print nothing" but padding.
      if (prec === 0 && mag == 0) {
        const z = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = z;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--; // leave room for the sign
    }
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    const sign = negative ? '-' : this.plus ? '+' : this.space ? ' ' : '';
    this.padNoZero(sign + digits);
  }

  private fmtUnicode(v: number | bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    const u = Number(v);
    // Go formats the value as a uint64, so negative numbers show their two's complement.
    const hex = u < 0 ? BigInt.asUintN(64, BigInt(v)).toString(16) : u.toString(16);
    let s = 'U+' + hex.toUpperCase().padStart(prec, '0');
    if (this.sharp && u >= 0 && u <= 0x10ffff && isPrint(u)) s += " '" + String.fromCodePoint(u) + "'";
    this.padNoZero(s);
  }

  private runeOf(v: number | bigint): number {
    const n = Number(v);
    return n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff) ? 0xfffd : n;
  }

  private intVerb(v: number | bigint, verb: string): void {
    switch (verb) {
      case 'v':
      case 'd':
        return this.fmtInteger(v, 10, verb, false);
      case 'b':
        return this.fmtInteger(v, 2, verb, false);
      case 'o':
      case 'O':
        return this.fmtInteger(v, 8, verb, false);
      case 'x':
      case 'X':
        return this.fmtInteger(v, 16, verb, verb === 'X');
      case 'c':
        return this.pad(String.fromCodePoint(this.runeOf(v)));
      case 'q':
        return this.pad(quoteRune(this.runeOf(v), this.plus));
      case 'U':
        return this.fmtUnicode(v);
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        // JS cannot tell 2 from 2.0, so float verbs accept integral numbers (Go's float64 data).
        if (typeof v === 'number') return this.floatVerb(v, verb);
    }
    this.badVerb(verb);
  }

  private fmtFloat(v: number, verb: FloatFmt, defPrec: number): void {
    let num = formatFloat(v, verb, this.precPresent ? this.prec : defPrec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      // Infinities and NaN are not padded with zeros; NaN drops the sign unless asked for.
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      return this.padNoZero(num);
    }
    if (this.sharp) num = keepDecimalPoint(num, verb, this.precPresent ? this.prec : defPrec);
    if (this.plus || num[0] !== '+') {
      if (this.zero && !this.minus && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      return this.pad(num);
    }
    this.pad(num.slice(1));
  }

  private floatVerb(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        return this.fmtFloat(v, 'g', -1);
      case 'g':
      case 'G':
        return this.fmtFloat(v, verb, -1);
      case 'e':
      case 'E':
      case 'f':
        return this.fmtFloat(v, verb, 6);
      case 'F':
        return this.fmtFloat(v, 'f', 6);
    }
    this.badVerb(verb);
  }

  private fmtHex(s: string, upper: boolean): void {
    let bytes = utf8Bytes(s);
    if (this.precPresent && this.prec < bytes.length) bytes = bytes.subarray(0, this.prec);
    if (bytes.length === 0) {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    const x = upper ? '0X' : '0x';
    let out = this.sharp && !this.space ? x : '';
    bytes.forEach((b, i) => {
      if (this.space) out += (i > 0 ? ' ' : '') + (this.sharp ? x : '');
      const h = b.toString(16).padStart(2, '0');
      out += upper ? h.toUpperCase() : h;
    });
    this.pad(out);
  }

  private stringVerb(s: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) return this.pad(goQuote(s));
        return this.pad(this.truncate(s));
      case 's':
        return this.pad(this.truncate(s));
      case 'x':
      case 'X':
        return this.fmtHex(s, verb === 'X');
      case 'q': {
        const t = this.truncate(s);
        return this.pad(this.sharp && canBackquote(t) ? '`' + t + '`' : goQuote(t, this.plus));
      }
    }
    this.badVerb(verb);
  }

  /** One operand, like Go's pp.printArg. */
  printArg(arg: unknown, verb: string): void {
    this.arg = arg;
    if (arg === undefined || arg === null) {
      if (verb === 'v' || verb === 'T') this.pad('<nil>');
      else this.badVerb(verb);
      return;
    }
    if (verb === 'T') return this.pad(this.truncate(typeName(arg)));
    switch (typeof arg) {
      case 'boolean':
        if (verb === 't' || verb === 'v') return this.pad(arg ? 'true' : 'false');
        return this.badVerb(verb);
      case 'number':
        return isIntNumber(arg) ? this.intVerb(arg, verb) : this.floatVerb(arg, verb);
      case 'bigint':
        return this.intVerb(arg, verb);
      case 'string':
        return this.stringVerb(arg, verb);
    }
    this.printCompound(arg, verb);
  }

  /** Slices, maps and other objects: the verb applies to each element, recursively. */
  private printCompound(v: unknown, verb: string): void {
    if (v instanceof Date) return this.stringVerb(goTimeString(v), verb === 'v' || verb === 's' ? 's' : verb);
    if (typeof v !== 'object' || v === null) {
      if (verb === 'v') return this.pad('<func>');
      return this.badVerb(verb);
    }
    if (this.stack.includes(v)) {
      this.buf += '<cycle>';
      return;
    }
    this.stack.push(v);
    if (Array.isArray(v)) {
      this.buf += this.sharpV ? '[]interface {}{' : '[';
      v.forEach((e, i) => {
        if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
        this.printElem(e, verb);
      });
      this.buf += this.sharpV ? '}' : ']';
    } else {
      this.buf += this.sharpV ? 'map[string]interface {}{' : 'map[';
      sortedEntries(v).forEach(([k, e], i) => {
        if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
        this.printElem(k, verb);
        this.buf += ':';
        this.printElem(e, verb);
      });
      this.buf += this.sharpV ? '}' : ']';
    }
    this.stack.pop();
  }

  /** A nested element: a nil interface prints as <nil> whatever the verb, as in Go. */
  private printElem(e: unknown, verb: string): void {
    if (e === undefined || e === null) {
      this.pad(this.sharpV ? 'interface {}(nil)' : '<nil>');
      return;
    }
    this.printArg(e, verb);
  }
}
