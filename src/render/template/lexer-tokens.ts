// Lexer states for the tokens inside an action that have their own syntax: identifiers and
// keywords, .fields and $variables, quoted strings, character constants and numbers. Each
// returns the next state (emit() continues inside the action; errorf() stops lexing).
import type { Lexer, StateFn } from './lexer.js';
import { formatU, goQuote, isAlphaNumeric } from './strconv.js';
import { KEYWORDS, type ItemType } from './token.js';

const EOF = -1;

export function lexIdentifier(l: Lexer): StateFn {
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

export function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, 'field');
}

export function lexVariable(l: Lexer): StateFn {
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

/** Quoted string or character constant; the parser unquotes it. Escapes may not hide a newline. */
function lexQuoted(l: Lexer, quote: number, type: ItemType, what: string): StateFn {
  for (;;) {
    let c = l.next();
    if (c === 0x5c) {
      c = l.next(); // the escaped character
      if (c !== EOF && c !== 10) continue;
    }
    if (c === EOF || c === 10) return l.errorf(`unterminated ${what}`);
    if (c === quote) return l.emit(type);
  }
}

export function lexQuote(l: Lexer): StateFn {
  return lexQuoted(l, 0x22, 'string', 'quoted string');
}

export function lexChar(l: Lexer): StateFn {
  return lexQuoted(l, 0x27, 'charConstant', 'character constant');
}

export function lexRawQuote(l: Lexer): StateFn {
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

export function lexNumber(l: Lexer): StateFn {
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
