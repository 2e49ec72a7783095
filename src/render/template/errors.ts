// The one error type the template engine throws. Messages follow Go's text/template wording so
// an operator who knows Go (or compares with matchbox/Vaquero logs) recognises them; the
// structured fields let callers point at the offending file/line without parsing the text.
import { utf8Len } from './strconv.js';

export class TemplateError extends Error {
  /** Template file (the parse name: the name given to `TemplateSet.add`). */
  readonly file: string;
  /** 1-based line; 0 when the error is not tied to a position. */
  readonly line: number;
  /** 0-based byte column within the line, as Go reports it; 0 when unknown. */
  readonly col: number;

  constructor(message: string, file: string, line: number, col: number) {
    super(message);
    this.name = 'TemplateError';
    this.file = file;
    this.line = line;
    this.col = col;
  }
}

/**
 * Line and column of a UTF-16 offset, computed the way Go's ErrorContext does: the line is
 * 1 + newlines before the offset, the column the byte count from the start of that line.
 * Only called on the error path, so the linear scan costs nothing in the hot path.
 */
export function location(text: string, pos: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(pos, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: utf8Len(text.slice(lineStart, end)) };
}
