// The `template` field of POST /v1/plans: a mapping, or a JSON/YAML string (HAS api/controllers/
// v1/plans.py reads strings with a duplicate-key-refusing YAML loader; JSON is YAML 1.2).
import { parseDocument } from 'yaml';
import { isMapping, TemplateError, type Template } from './model.js';

/** A template string longer than this is refused: real homing templates are a few KB. */
export const MAX_TEMPLATE_CHARS = 1_000_000;
/**
 * Aliases a template may expand. A few hundred bytes of nested aliases ("billion laughs")
 * expand to billions of nodes; templates have no need for more than a handful.
 */
export const MAX_ALIAS_COUNT = 100;
/** PyYAML's Mark.get_snippet cuts a line to this many characters; HAS shows that snippet. */
const SNIPPET_CHARS = 75;

/** The template as a mapping, or TemplateError with HAS's wording where HAS has one. */
export function parseTemplate(input: unknown): Template {
  if (isMapping(input)) return input;
  if (typeof input !== 'string') throw new TemplateError('Template must be a mapping or a JSON/YAML string');
  if (input.length > MAX_TEMPLATE_CHARS) {
    throw new TemplateError(`Template is larger than ${MAX_TEMPLATE_CHARS} characters`);
  }
  const doc = parseDocument(input, { uniqueKeys: true, prettyErrors: false });
  const dup = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (dup) {
    const line = lineOf(input, dup.pos[0]);
    // HAS: "{} has a duplicate key on line {}: {}" with where = "Template" and the first line of
    // PyYAML's snippet (the source line of the second key), stripped.
    throw new TemplateError(`Template has a duplicate key on line ${line.number}: ${snippet(line.text)}`);
  }
  const bad = doc.errors[0];
  if (bad) {
    const line = lineOf(input, bad.pos[0]);
    throw new TemplateError(`Template is not valid YAML or JSON (line ${line.number}): ${firstLine(bad.message)}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new TemplateError(`Template aliases expand too far (more than ${MAX_ALIAS_COUNT}): ${firstLine((err as Error).message)}`);
  }
  if (!isMapping(value)) throw new TemplateError('Template must be a mapping');
  return value;
}

function lineOf(text: string, offset: number): { number: number; text: string } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  let number = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < start; i = text.indexOf('\n', i + 1)) number++;
  return { number, text: text.slice(start, end === -1 ? text.length : end) };
}

function snippet(line: string): string {
  const s = line.trim();
  return s.length > SNIPPET_CHARS ? `${s.slice(0, SNIPPET_CHARS - 4)} ...` : s;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
