// YAML text -> JS values (js-yaml, YAML 1.2 core schema), with syntax errors as positions.
// Shared by the main thread and the parse worker.
import jsyaml from 'js-yaml';

export type ParseOutcome = { values: unknown[] } | { error: { reason: string; line: number; col: number } };

export function parseYaml(text: string, filename: string): ParseOutcome {
  try {
    // CORE_SCHEMA (YAML 1.2 core): no timestamps or sexagesimal numbers, so MACs stay strings.
    return { values: jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA, filename }) };
  } catch (e) {
    const err = e as { reason?: string; message: string; mark?: { line: number; column: number } };
    return { error: { reason: err.reason ?? err.message, line: (err.mark?.line ?? 0) + 1, col: (err.mark?.column ?? 0) + 1 } };
  }
}
