// Collects findings while the SoT is built, then resolves each to file:line:col.
import type { Problem, ProblemSeverity, SourceRef } from '../model/index.js';
import type { ParsedDoc } from './read.js';
import { createLocator } from './locate.js';
import { checkFields, type Field, type Finding, type Path } from './shape.js';

interface Pending {
  doc: ParsedDoc;
  path: Path;
  at: 'key' | 'value';
  message: string;
  severity: ProblemSeverity;
}

export class Reporter {
  private pending: Pending[] = [];
  readonly direct: Problem[] = [];

  /** A problem at `path` inside `doc` (the key of the field, or its value). */
  at(doc: ParsedDoc, path: Path, message: string, opts: { at?: 'key' | 'value'; severity?: ProblemSeverity } = {}): void {
    this.pending.push({ doc, path, at: opts.at ?? 'value', message, severity: opts.severity ?? 'error' });
  }

  warn(doc: ParsedDoc, path: Path, message: string, at: 'key' | 'value' = 'value'): void {
    this.at(doc, path, message, { at, severity: 'warning' });
  }

  findings(doc: ParsedDoc, found: Finding[]): void {
    for (const f of found) this.at(doc, f.path, f.message, { at: f.at, severity: f.severity ?? 'error' });
  }

  /** Checks the document's top-level fields and reports what is unknown, missing or mistyped. */
  checkDoc(doc: ParsedDoc, fields: Record<string, Field>, kind: string): void {
    const found: Finding[] = [];
    checkFields(doc.value as Record<string, unknown>, fields, kind, [], found);
    this.findings(doc, found);
  }

  hasErrors(doc: ParsedDoc): boolean {
    return this.pending.some((p) => p.doc === doc && p.severity === 'error');
  }

  /** Every problem with a position, sorted by file then line. */
  resolve(): Problem[] {
    const locator = createLocator();
    const out: Problem[] = [...this.direct];
    for (const p of this.pending) {
      const path = p.doc.mapPath ? p.doc.mapPath(p.path) : p.path;
      const pos = locator.locate(p.doc.file.text, p.doc.index, path, p.at) ?? { line: p.doc.line, col: 1 };
      out.push({ file: p.doc.file.rel, line: pos.line, col: pos.col, severity: p.severity, message: p.message });
    }
    return sortProblems(dedupe(out));
  }
}

export function sourceOf(doc: ParsedDoc): SourceRef {
  return { file: doc.file.rel, line: doc.line, col: 1 };
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.file}:${p.line}:${p.col}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function sortProblems(ps: Problem[]): Problem[] {
  return ps.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}
