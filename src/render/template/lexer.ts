// Tokeniser for Go template text, a state machine shaped like text/template/parse/lex.go so
// edge cases (trim markers, comments, where an identifier may end, error wording and the line
// an error is reported on) match Go. The whole input is lexed up front into an array; lexing
// stops at the first error, which becomes the last item.
import { formatU, goQuote, isAlphaNumeric, isSpace } from './strconv.js';

export type ItemType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'complex' | 'assign' | 'declare' | 'eof'
  | 'field' | 'identifier' | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString'
  | 'rightDelim' | 'rightParen' | 'space' | 'string' | 'text' | 'variable'
  // keywords
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil'
  | 'range' | 'template' | 'with';

export interface Item {
  type: ItemType;
  pos: number; // UTF-16 offset of the item in the input
  val: string;
  line: number; // line at the start of the item
}

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['.', 'dot'], ['block', 'block'], ['break', 'break'], ['continue', 'continue'], ['define', 'define'],
  ['else', 'else'], ['end', 'end'], ['if', 'if'], ['nil', 'nil'], ['range', 'range'],
  ['template', 'template'], ['with', 'with'],
]);

const KEYWORD_TYPES: ReadonlySet<ItemType> = new Set(KEYWORDS.values());

/** Keyword items print as <word> in parse errors, like Go's item.String. */
export function isKeyword(t: ItemType): boolean {
  return KEYWORD_TYPES.has(t);
}

const EOF = -1;
const LEFT = '{{';
const RIGHT = '}}';

type StateFn = ((l: Lexer) => StateFn) | null;

export interface LexOptions {
  /** False when a user function named "break" exists: then it lexes as an identifier. */
  breakOK: boolean;
  continueOK: boolean;
}

class Lexer {
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

function lexIdentifier(l: Lexer): StateFn {
  let r: number;
  do r = l.next();
  while (isAlphaNumeric(r));
  l.backup();
  if (!l.atTerminator()) return l.errorf(`bad character ${formatU(r)}`);
  const word = l.input.slice(l.start, l.pos);
  const kw = KEYWORDS.get(word);
  if (kw !== undefined) {
    if ((kw === 'break' && !l.opts.breakOK) || (kw === 'continue' && !l.opts.continueOK)) return l.emit('identifier');
    return l.emit(kw);
  }
  return l.emit(word === 'true' || word === 'false' ? 'bool' : 'identifier');
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, 'field');
}

function lexVariable(l: Lexer): StateFn {
  return l.atTerminator() ? l.emit('variable') : lexFieldOrVariable(l, 'variable');
}

function lexFieldOrVariable(l: Lexer, type: 'field' | 'variable'): StateFn {
  if (l.atTerminator()) return l.emit(type === 'variable' ? 'variable' : 'dot');
  let r: number;
  do r = l.next();
  while (isAlphaNumeric(r));
  l.backup();
  if (!l.atTerminator()) return l.errorf(`bad character ${formatU(r)}`);
  return l.emit(type);
}

/** Quoted string or character constant; the parser unquotes it. */
function lexQuoted(l: Lexer, quote: number, type: ItemType, what: string): StateFn {
  for (;;) {
    let c = l.next();
    if (c === 0x5c) c = l.next() === EOF ? EOF : l.input.charCodeAt(l.pos - 1) === 10 ? 10 : 0;
    if (c === EOF || c === 10) return l.errorf(`unterminated ${what}`);
    if (c === quote) return l.emit(type);
  }
}

function lexQuote(l: Lexer): StateFn {
  return lexQuoted(l, 0x22, 'string', 'quoted string');
}

function lexChar(l: Lexer): StateFn {
  return lexQuoted(l, 0x27, 'charConstant', 'character constant');
}

function lexRawQuote(l: Lexer): StateFn {
  for (;;) {
    const c = l.next();
    if (c === EOF) return l.errorf('unterminated raw quoted string');
    if (c === 0x60) return l.emit('rawString');
  }
}

function accept(l: Lexer, valid: string): boolean {
  const c = l.next();
  if (c !== EOF && valid.includes(String.fromCodePoint(c))) return true;
  l.backup();
  return false;
}

function acceptRun(l: Lexer, valid: string): void {
  while (accept(l, valid));
}

/** A number in any Go syntax (validated later by the parser), as scanNumber does. */
function scanNumber(l: Lexer): boolean {
  accept(l, '+-');
  let digits = '0123456789_';
  if (accept(l, '0')) {
    if (accept(l, 'xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept(l, 'oO')) digits = '01234567_';
    else if (accept(l, 'bB')) digits = '01_';
  }
  acceptRun(l, digits);
  if (accept(l, '.')) acceptRun(l, digits);
  if (digits.length === 11 && accept(l, 'eE')) {
    accept(l, '+-');
    acceptRun(l, '0123456789_');
  }
  if (digits.length === 23 && accept(l, 'pP')) {
    accept(l, '+-');
    acceptRun(l, '0123456789_');
  }
  accept(l, 'i');
  if (isAlphaNumeric(l.peek())) {
    l.next();
    return false;
  }
  return true;
}

function lexNumber(l: Lexer): StateFn {
  if (!scanNumber(l)) return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === 0x2b || sign === 0x2d) {
    // Complex constant like 1+2i: no spaces, must end in 'i'.
    if (!scanNumber(l) || l.input.charAt(l.pos - 1) !== 'i') {
      return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
    }
    return l.emit('complex');
  }
  return l.emit('number');
}

/** Lexes a whole template; the last item is 'eof' or 'error'. */
export function lex(input: string, opts: LexOptions): Item[] {
  const l = new Lexer(input, opts);
  let state: StateFn = lexText;
  while (state) state = state(l);
  return l.items;
}
