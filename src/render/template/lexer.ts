// Tokeniser for Go template text, a state machine shaped like text/template/parse/lex.go so
// edge cases (trim markers, comments, where an identifier may end, error wording and the line
// an error is reported on) match Go. The whole input is lexed up front into an array; lexing
// stops at the first error, which becomes the last item.
import { lexChar, lexField, lexIdentifier, lexNumber, lexQuote, lexRawQuote, lexVariable } from './lexer-tokens.js';
import { formatU, isAlphaNumeric, isSpace } from './strconv.js';
import type { Item, ItemType } from './token.js';

export type { Item, ItemType } from './token.js';
export { isKeyword } from './token.js';

const EOF = -1;
const LEFT = '{{';
const RIGHT = '}}';

export type StateFn = ((l: Lexer) => StateFn) | null;

export interface LexOptions {
  /** False when a user function named "break" exists: then it lexes as an identifier. */
  breakOK: boolean;
  continueOK: boolean;
}

export class Lexer {
  readonly items: Item[] = [];
  pos = 0;
  start = 0;
  width = 0;
  line = 1;
  startLine = 1;
  parenDepth = 0;

  constructor(
    readonly input: string,
    readonly opts: LexOptions,
  ) {}

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const c = this.input.codePointAt(this.pos)!;
    this.width = c > 0xffff ? 2 : 1;
    this.pos += this.width;
    if (c === 10) this.line++;
    return c;
  }

  backup(): void {
    this.pos -= this.width;
    if (this.width === 1 && this.input.charCodeAt(this.pos) === 10) this.line--;
  }

  peek(): number {
    const c = this.next();
    this.backup();
    return c;
  }

  emit(type: ItemType): StateFn {
    this.items.push({ type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine });
    this.start = this.pos;
    this.startLine = this.line;
    return lexInsideAction;
  }

  /** Skips pending input that was jumped over without next(), counting its newlines. */
  ignore(): void {
    this.line += countNewlines(this.input, this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  errorf(msg: string): StateFn {
    this.items.push({ type: 'error', pos: this.start, val: msg, line: this.startLine });
    return null;
  }

  /** At "}}" (0 = no, 1 = plain, 2 = preceded by the " -" trim marker). */
  atRightDelim(): number {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + 2)) return 2;
    return this.input.startsWith(RIGHT, this.pos) ? 1 : 0;
  }

  /** Characters that may follow an identifier, field or variable. */
  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r) || r === EOF) return true;
    if (r === 0x2e || r === 0x2c || r === 0x7c || r === 0x3a || r === 0x29 || r === 0x28) return true; // . , | : ) (
    return this.input.startsWith(RIGHT, this.pos);
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

// Trim markers need a space next to the '-' so that {{-3}} is still the number -3.
function hasLeftTrimMarker(s: string, i: number): boolean {
  return s.charCodeAt(i) === 0x2d && isSpace(s.charCodeAt(i + 1));
}

function hasRightTrimMarker(s: string, i: number): boolean {
  return isSpace(s.charCodeAt(i)) && s.charCodeAt(i + 1) === 0x2d;
}

function isSpaceAt(s: string, i: number): boolean {
  return isSpace(s.charCodeAt(i));
}

function lexText(l: Lexer): StateFn {
  const x = l.input.indexOf(LEFT, l.pos);
  if (x < 0) {
    l.pos = l.input.length;
    if (l.pos > l.start) {
      l.line += countNewlines(l.input, l.start, l.pos);
      l.emit('text');
    }
    l.emit('eof');
    return null;
  }
  if (x > l.pos) {
    // "{{- " trims all trailing white space of the preceding text, newlines included.
    let end = x;
    if (hasLeftTrimMarker(l.input, x + LEFT.length)) while (end > l.start && isSpaceAt(l.input, end - 1)) end--;
    l.pos = end;
    l.line += countNewlines(l.input, l.start, l.pos);
    if (l.pos > l.start) l.emit('text');
    l.pos = x;
    l.ignore();
  }
  return lexLeftDelim;
}

function lexLeftDelim(l: Lexer): StateFn {
  l.pos += LEFT.length;
  const after = hasLeftTrimMarker(l.input, l.pos) ? 2 : 0;
  if (l.input.startsWith('/*', l.pos + after)) {
    l.pos += after;
    l.ignore();
    return lexComment;
  }
  l.emit('leftDelim');
  l.pos += after;
  l.ignore();
  l.parenDepth = 0;
  return lexInsideAction;
}

/** Comments are dropped; they must end with the right delimiter. */
function lexComment(l: Lexer): StateFn {
  l.pos += 2;
  const x = l.input.indexOf('*/', l.pos);
  if (x < 0) return l.errorf('unclosed comment');
  l.pos = x + 2;
  const delim = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  l.pos += (delim === 2 ? 2 : 0) + RIGHT.length;
  if (delim === 2) while (isSpaceAt(l.input, l.pos)) l.pos++;
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const trim = l.atRightDelim() === 2;
  if (trim) {
    l.pos += 2;
    l.ignore();
  }
  l.pos += RIGHT.length;
  l.emit('rightDelim');
  if (trim) {
    while (isSpaceAt(l.input, l.pos)) l.pos++;
    l.ignore();
  }
  return lexText;
}

function lexInsideAction(l: Lexer): StateFn {
  if (l.atRightDelim()) return l.parenDepth === 0 ? lexRightDelim : l.errorf('unclosed left paren');
  const r = l.next();
  if (r === EOF) return l.errorf('unclosed action');
  if (isSpace(r)) {
    l.backup(); // put the space back in case it starts " -}}"
    return lexSpace;
  }
  switch (String.fromCodePoint(r)) {
    case '=': return l.emit('assign');
    case ':': return l.next() === 0x3d ? l.emit('declare') : l.errorf('expected :=');
    case '|': return l.emit('pipe');
    case '"': return lexQuote;
    case '`': return lexRawQuote;
    case '$': return lexVariable;
    case "'": return lexChar;
    case '(':
      l.parenDepth++;
      return l.emit('leftParen');
    case ')':
      if (--l.parenDepth < 0) return l.errorf('unexpected right paren');
      return l.emit('rightParen');
    case '.': {
      // ".field" unless a digit follows, in which case it starts a number.
      const c = l.input.charCodeAt(l.pos);
      if (!(c >= 0x30 && c <= 0x39)) return lexField;
    }
    // falls through
    case '+':
    case '-':
      l.backup();
      return lexNumber;
  }
  if (r >= 0x30 && r <= 0x39) {
    l.backup();
    return lexNumber;
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    return lexIdentifier;
  }
  if (r >= 0x20 && r < 0x7f) return l.emit('char');
  return l.errorf(`unrecognized character in action: ${formatU(r)}`);
}

function lexSpace(l: Lexer): StateFn {
  let n = 0;
  while (isSpace(l.peek())) {
    l.next();
    n++;
  }
  // A trim-marked closing delimiter starts with a space: leave that space to lexRightDelim.
  if (hasRightTrimMarker(l.input, l.pos - 1) && l.input.startsWith(RIGHT, l.pos + 1)) {
    l.pos--;
    if (l.input.charCodeAt(l.pos) === 10) l.line--;
    if (n === 1) return lexRightDelim;
  }
  return l.emit('space');
}

export function lex(input: string, opts: LexOptions): Item[] {
  const l = new Lexer(input, opts);
  let state: StateFn = lexText;
  while (state) state = state(l);
  return l.items;
}
