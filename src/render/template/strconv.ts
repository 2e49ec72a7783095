// Go strconv / unicode look-alikes over JS strings. Go strings are UTF-8 bytes while JS strings
// are UTF-16, so anything Go measures in bytes (len, column numbers, %x) goes through utf8Len /
// utf8Bytes here, and quoting follows strconv.Quote rune by rune.

// strconv.IsPrint for non-ASCII: letters, marks, numbers, punctuation and symbols (no spaces).
const PRINT_RE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
// unicode.IsLetter || unicode.IsDigit, the identifier alphabet of the template lexer.
const ALNUM_RE = /^[\p{L}\p{Nd}]$/u;

export function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return false;
  return PRINT_RE.test(String.fromCodePoint(r));
}

export function isAlphaNumeric(r: number): boolean {
  if (r < 0x80) {
    return r === 0x5f || (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  }
  return r >= 0 && ALNUM_RE.test(String.fromCodePoint(r));
}

/** Go's isSpace inside actions: space, tab, carriage return, newline. */
export function isSpace(r: number): boolean {
  return r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
}

/** Byte length of the UTF-8 encoding (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Len(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const ASCII_RE = /^[\x00-\x7f]*$/;

export function isAscii(s: string): boolean {
  return ASCII_RE.test(s);
}

export function utf8Bytes(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

export function utf8Decode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/** Number of runes (code points), the unit Go's fmt uses for width and precision. */
export function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}

const HEX = '0123456789abcdef';

function hexPad(r: number, width: number): string {
  return r.toString(16).padStart(width, '0');
}

function escapeRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return '\\' + String.fromCodePoint(r);
  if (asciiOnly ? r < 0x80 && isPrint(r) : isPrint(r)) return String.fromCodePoint(r);
  switch (r) {
    case 7: return '\\a';
    case 8: return '\\b';
    case 12: return '\\f';
    case 10: return '\\n';
    case 13: return '\\r';
    case 9: return '\\t';
    case 11: return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + HEX[r >> 4] + HEX[r & 15];
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return r < 0x10000 ? '\\u' + hexPad(r, 4) : '\\U' + hexPad(r, 8);
}

/** strconv.Quote (asciiOnly: strconv.QuoteToASCII). */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0)!, 0x22, asciiOnly);
  return out + '"';
}

/** strconv.QuoteRune (asciiOnly: strconv.QuoteRuneToASCII). */
export function quoteRune(r: number, asciiOnly = false): string {
  if (r > 0x10ffff || r < 0 || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return "'" + escapeRune(r, 0x27, asciiOnly) + "'";
}

/** strconv.CanBackquote: single line, no backquote, no control characters other than tab. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0x60 || r === 0xfeff || (r < 0x20 && r !== 9) || r === 0x7f) return false;
    if (r >= 0xd800 && r <= 0xdfff) return false;
  }
  return true;
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c };

export interface UnquotedChar {
  value: number;
  /** \x and octal escapes denote raw bytes, not runes. */
  isByte: boolean;
  next: number;
}

/** strconv.UnquoteChar on s at index i; throws 'invalid syntax' like Go's ErrSyntax. */
export function unquoteChar(s: string, i: number, quote: number): UnquotedChar {
  const c = s.codePointAt(i);
  if (c === undefined || (c === quote && (quote === 0x27 || quote === 0x22))) throw new Error('invalid syntax');
  if (c !== 0x5c) return { value: c, isByte: false, next: i + (c > 0xffff ? 2 : 1) };
  const e = s.charAt(i + 1);
  if (e === '') throw new Error('invalid syntax');
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined && Object.hasOwn(SIMPLE_ESCAPES, e)) return { value: simple, isByte: false, next: i + 2 };
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    const digits = s.slice(i + 2, i + 2 + n);
    if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw new Error('invalid syntax');
    const v = parseInt(digits, 16);
    if (e !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) throw new Error('invalid syntax');
    return { value: v, isByte: e === 'x', next: i + 2 + n };
  }
  if (e >= '0' && e <= '7') {
    const digits = s.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(digits)) throw new Error('invalid syntax');
    const v = parseInt(digits, 8);
    if (v > 255) throw new Error('invalid syntax');
    return { value: v, isByte: true, next: i + 4 };
  }
  if ((e === "'" || e === '"') && e.charCodeAt(0) === quote) return { value: quote, isByte: false, next: i + 2 };
  throw new Error('invalid syntax');
}

/** strconv.Unquote for "..." , `...` and '...' literals. Throws Error('invalid syntax'). */
export function unquote(s: string): string {
  const q = s.charCodeAt(0);
  if (s.length < 2 || s.charCodeAt(s.length - 1) !== q) throw new Error('invalid syntax');
  const body = s.slice(1, -1);
  if (q === 0x60) {
    if (body.includes('`')) throw new Error('invalid syntax');
    // Go discards carriage returns inside raw strings.
    return body.includes('\r') ? body.replace(/\r/g, '') : body;
  }
  if (q !== 0x22 && q !== 0x27) throw new Error('invalid syntax');
  if (body.includes('\n')) throw new Error('invalid syntax');
  if (q === 0x22 && !body.includes('\\') && !body.includes('"')) return body;
  const bytes: number[] = [];
  let i = 0;
  let runes = 0;
  while (i < body.length) {
    const u = unquoteChar(body, i, q);
    if (u.isByte) bytes.push(u.value);
    else bytes.push(...utf8Bytes(String.fromCodePoint(u.value)));
    i = u.next;
    runes++;
  }
  if (q === 0x27 && runes !== 1) throw new Error('invalid syntax');
  return utf8Decode(Uint8Array.from(bytes));
}

/** Go's %#U decoration used in lexer messages: U+0041 'A'. */
export function formatU(r: number): string {
  const hex = 'U+' + Math.max(r, 0).toString(16).toUpperCase().padStart(4, '0');
  return isPrint(r) ? `${hex} '${String.fromCodePoint(r)}'` : hex;
}
