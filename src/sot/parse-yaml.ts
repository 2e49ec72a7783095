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

/** A SoT file larger than this is refused (a SoT of 10,000 hosts is a few MB). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * Aliases share one parsed value, but everything that walks the data (validation, templates,
 * JSON for the API) expands them: a few hundred bytes of nested aliases ("billion laughs") expand
 * to billions of nodes. A file may expand to at most this many nodes, or 10 per byte of text.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

export function parseYaml(text: string, filename: string): ParseOutcome {
  if (text.length > MAX_FILE_BYTES) return { error: { reason: `file is larger than ${MAX_FILE_BYTES / 1048576} MiB`, line: 1, col: 1 } };
  const outcome = parseUnbounded(text, filename);
  if ('values' in outcome && text.includes('*')) {
    const limit = Math.max(MAX_EXPANDED_NODES, text.length * 10);
    if (expandedSize(outcome.values, limit) > limit) {
      const at = firstAlias(text);
      return { error: { reason: `aliases expand to more than ${limit.toLocaleString('en-US')} values (an alias bomb?); write the data out or use fewer nested aliases`, line: at.line, col: at.col } };
    }
  }
  return outcome;
}

/**
 * Nodes the value would have with every shared (aliased) object written out, counted once per
 * distinct object (memoized), so the count itself costs only the real size. Stops past `limit`;
 * a value that contains itself counts as unbounded.
 */
function expandedSize(root: unknown, limit: number): number {
  const memo = new Map<object, number>();
  const open = new Set<object>();
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = memo.get(v);
    if (known !== undefined) return known;
    if (open.has(v)) return Infinity;
    open.add(v);
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      n += size(child);
      if (n > limit) break;
    }
    open.delete(v);
    memo.set(v, n);
    return n;
  };
  return size(root);
}

function firstAlias(text: string): { line: number; col: number } {
  const m = /(^|[\s,[{:-])\*[^\s,\]}]/m.exec(text);
  if (!m) return { line: 1, col: 1 };
  const at = m.index + m[1]!.length;
  const before = text.slice(0, at);
  return { line: before.split('\n').length, col: at - before.lastIndexOf('\n') };
}

function parseUnbounded(text: string, filename: string): ParseOutcome {
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
