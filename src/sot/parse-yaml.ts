// YAML text -> JS values (js-yaml, YAML 1.2 core schema), with syntax errors as positions.
// Shared by the main thread and the parse worker.
import jsyaml from 'js-yaml';
import { LineCounter, parseAllDocuments } from 'yaml';

/** A key written twice in one mapping: the later value is the one kept. */
export interface DuplicateKey {
  key: string;
  line: number;
  col: number;
}

export type ParseOutcome =
  | { values: unknown[]; duplicates?: DuplicateKey[] }
  | { error: { reason: string; line: number; col: number } };

export function parseYaml(text: string, filename: string): ParseOutcome {
  try {
    // CORE_SCHEMA (YAML 1.2 core): no timestamps or sexagesimal numbers, so MACs stay strings.
    return { values: jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA, filename }) };
  } catch (e) {
    const err = e as { reason?: string; message: string; mark?: { line: number; column: number } };
    const reason = err.reason ?? err.message;
    // Vaquero read YAML with go-yaml's plain Unmarshal, which keeps the last of repeated keys
    // (its own 2016 examples repeat `console:` in a cmdline mapping): such files load, last
    // value kept, and every repeat is reported as a warning.
    if (/duplicated mapping key/.test(reason)) {
      try {
        const values = jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA, filename, json: true });
        return { values, duplicates: duplicateKeys(text) };
      } catch {
        // another syntax error further on: report the first one, as before
      }
    }
    return { error: { reason, line: (err.mark?.line ?? 0) + 1, col: (err.mark?.column ?? 0) + 1 } };
  }
}

/** Every repeated key with its position (the slower `yaml` parser, only for files that have one). */
function duplicateKeys(text: string): DuplicateKey[] {
  const lc = new LineCounter();
  const out: DuplicateKey[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lc })) {
    for (const e of doc.errors) {
      if (e.code !== 'DUPLICATE_KEY') continue;
      const pos = lc.linePos(e.pos[0]);
      out.push({ key: keyAt(text, e.pos[0]), line: pos.line, col: pos.col });
    }
  }
  return out;
}

/** The key written at `offset` (plain or quoted), for the message. */
function keyAt(text: string, offset: number): string {
  const eol = text.indexOf('\n', offset);
  const rest = text.slice(offset, eol < 0 ? undefined : eol);
  const quoted = /^"((?:[^"\\]|\\.)*)"|^'((?:[^']|'')*)'/.exec(rest);
  if (quoted) return quoted[1] ?? quoted[2]!.replace(/''/g, "'");
  return rest.replace(/:(\s.*)?$/, '').trim();
}
