// `{get_param: name}` and `{get_param: [name, key|index, ...]}` anywhere in a section
// (HAS controller/translator.py _parse_parameters; the list form is Heat's, which HAS's guide
// names but its code refuses: Corral walks into the parameter's value).
import { isMapping, pyStr, TemplateError } from './model.js';

/** A copy of `value` with every get_param replaced by the parameter's value. `path` starts the breadcrumb. */
export function resolveParams(value: unknown, params: Record<string, unknown>, path: string): unknown {
  return walk(value, params, [path], 0);
}

/** Deeper than this is a parameter that refers to itself through its value, or a hostile template. */
const MAX_DEPTH = 64;

function walk(value: unknown, params: Record<string, unknown>, path: string[], depth: number): unknown {
  if (depth > MAX_DEPTH) throw new TemplateError(`Template nests deeper than ${MAX_DEPTH} levels in path ${path.join(' > ')}`);
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      // HAS's breadcrumb appends "[i]" to the last step: "demands > vG[0]".
      const p = [...path];
      p[p.length - 1] += `[${i}]`;
      return walk(item, params, p, depth + 1);
    });
  }
  if (!isMapping(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'get_param') return lookup(value.get_param, params, path);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = walk(value[k], params, [...path, k], depth + 1);
  return out;
}

function lookup(ref: unknown, params: Record<string, unknown>, path: string[]): unknown {
  const where = path.join(' > ');
  const [name, ...steps] = Array.isArray(ref) ? ref : [ref];
  if (typeof name !== 'string') {
    throw new TemplateError(`Parameter name '${pyStr(name)}' not a string in path ${where}`);
  }
  if (!Object.hasOwn(params, name)) throw new TemplateError(`Parameter '${name}' undefined in path ${where}`);
  let v: unknown = params[name];
  for (const step of steps) {
    if (Array.isArray(v) && typeof step === 'number' && Number.isInteger(step) && step >= 0 && step < v.length) v = v[step];
    else if (isMapping(v) && (typeof step === 'string' || typeof step === 'number') && Object.hasOwn(v, String(step))) v = v[String(step)];
    else throw new TemplateError(`Parameter '${name}' has no element ${JSON.stringify(step)} in path ${where}`);
  }
  return v;
}
