// `constraints` -> the solver's normalised Constraints (HAS Translator.parse_constraints for the
// checks and messages, solver/request/parser.py and optimizer/constraints/* for the meaning).
import type { AttrValue, CompareOp, Constraint } from '../types.js';
import { attributeKind, attributeName, zoneAttribute } from './attributes.js';
import { isMapping, pyList, pyStr, TemplateError, type ResolvedLocation } from './model.js';
import { constraintDemands } from './validate.js';
import { OPERATOR_WORDS, parseThreshold, toBase } from './units.js';

interface TypeDef {
  /** One constraint per demand, named `<name>_<demand>` as HAS's parse_constraints names them. */
  split?: boolean;
  required: string[];
  optional?: string[];
  allowed?: Record<string, string[]>;
}

/**
 * HAS's CONSTRAINTS table (controller/translator_utils.py) as Corral implements it. Changes:
 * zone categories are open (Corral's site/cluster/rack and any host label besides HAS's six),
 * and instance_fit needs no `controller` (Corral counts free hosts itself; `count` or
 * `request.count` is the number wanted).
 */
const TYPES: Record<string, TypeDef> = {
  attribute: { split: true, required: ['evaluate'] },
  threshold: { split: true, required: ['evaluate'] },
  distance_between_demands: { required: ['distance'] },
  distance_to_location: { split: true, required: ['distance', 'location'] },
  instance_fit: { split: true, required: [], optional: ['controller', 'request', 'count'] },
  inventory_group: { required: [] },
  zone: { required: ['qualifier', 'category'], optional: ['location'], allowed: { qualifier: ['same', 'different'] } },
};

/** HAS types that call an external controller or HPA data Corral does not have. */
const FOREIGN = ['region_fit', 'vim_fit', 'hpa', 'license', 'network_between_demands', 'network_to_location'];

export function buildConstraints(constraints: Record<string, unknown>, locations: Record<string, ResolvedLocation>): Constraint[] {
  const out: Constraint[] = [];
  for (const [name, raw] of Object.entries(constraints)) {
    const def = raw as Record<string, unknown>;
    const type = def.type;
    if (typeof type === 'string' && FOREIGN.includes(type)) {
      throw new TemplateError(`Constraint type '${type}' in constraint named '${name}' needs a HAS plug-in Corral does not have`);
    }
    const spec = typeof type === 'string' ? TYPES[type] : undefined;
    if (!spec) throw new TemplateError(`Unsupported type '${pyStr(type)}' found in constraint named '${name}'`);
    const props = checkProperties(name, spec, def.properties);
    const demands = constraintDemands(def);
    const groups = spec.split ? demands.map((d) => ({ name: `${name}_${d}`, demands: [d] })) : [{ name, demands }];
    for (const g of groups) out.push(...normalise(type as string, name, g.name, g.demands, props, locations));
  }
  return out;
}

function checkProperties(name: string, spec: TypeDef, raw: unknown): Record<string, unknown> {
  const props = raw === undefined || raw === null ? {} : raw;
  if (!isMapping(props)) throw new TemplateError(`Properties of constraint named '${name}' must be a dictionary`);
  for (const p of spec.required) {
    if (!Object.hasOwn(props, p)) throw new TemplateError(`Required property '${p}' not found in constraint named '${name}'`);
    const v = props[p];
    if (v === null || v === '' || v === false || (Array.isArray(v) && !v.length) || (isMapping(v) && !Object.keys(v).length)) {
      throw new TemplateError(`No value specified for property '${p}' in constraint named '${name}'`);
    }
  }
  for (const p of Object.keys(props)) {
    if (!spec.required.includes(p) && !(spec.optional ?? []).includes(p)) throw new TemplateError(`Unknown property '${p}' in constraint named '${name}'`);
  }
  for (const [p, allowed] of Object.entries(spec.allowed ?? {})) {
    if (Object.hasOwn(props, p) && !allowed.includes(props[p] as string)) {
      throw new TemplateError(`Property '${p}' value '${pyStr(props[p])}' unsupported in constraint named '${name}' (must be one of ${pyList(allowed)})`);
    }
  }
  return props;
}

function normalise(type: string, tname: string, name: string, demands: string[], props: Record<string, unknown>, locations: Record<string, ResolvedLocation>): Constraint[] {
  switch (type) {
    case 'attribute':
      return attributeConstraints(tname, name, demands, props.evaluate);
    case 'threshold':
      return thresholdConstraints(tname, name, demands, props.evaluate);
    case 'distance_to_location': {
      const loc = locations[props.location as string]!;
      const point = { latitude: loc.latitude, longitude: loc.longitude };
      return parseThreshold(props.distance, 'distance', `constraint named '${tname}'`).map((c) => ({ kind: 'distance_to_location', name, demands, point, op: c.op, km: c.value }));
    }
    case 'distance_between_demands':
      if (demands.length < 2) throw new TemplateError(`Constraint named '${tname}' of type distance_between_demands needs at least two demands`);
      return parseThreshold(props.distance, 'distance', `constraint named '${tname}'`).map((c) => ({ kind: 'distance_between_demands', name, demands, op: c.op, km: c.value }));
    case 'inventory_group':
      // HAS's solver raises unless exactly two demands are named (optimizer/constraints/inventory_group.py).
      if (demands.length !== 2) throw new TemplateError(`Constraint named '${tname}' of type inventory_group must name exactly two demands`);
      return [{ kind: 'inventory_group', name, demands: [demands[0]!, demands[1]!], attribute: 'inventory_group' }];
    case 'instance_fit':
      return [{ kind: 'instance_fit', name, demands, count: instanceCount(tname, props) }];
    case 'zone':
      return zoneConstraints(tname, name, demands, props, locations);
  }
  return [];
}

/** `evaluate: {attr: value | {any: [..]} | {all: [..]} | {eq|lt|lte|gt|gte: v}}`. */
function attributeConstraints(tname: string, name: string, demands: string[], evaluate: unknown): Constraint[] {
  if (!isMapping(evaluate)) throw new TemplateError(`Property 'evaluate' of constraint named '${tname}' must be a dictionary of attributes`);
  const out: Constraint[] = [];
  for (const [key, spec] of Object.entries(evaluate)) {
    const attribute = attributeName(key);
    const where = `attribute '${key}' of constraint named '${tname}'`;
    const values = (v: unknown): AttrValue[] => (Array.isArray(v) ? v : [v]).map((x) => attrValue(attribute, x, where));
    if (!isMapping(spec)) {
      out.push({ kind: 'attribute', name, demands, attribute, anyOf: values(spec) });
      continue;
    }
    for (const [op, v] of Object.entries(spec)) {
      if (attribute === 'tags' && (op === 'any' || op === 'all')) out.push(...tagConstraints(name, demands, op, v, where));
      else if (op === 'any' || op === 'eq') out.push({ kind: 'attribute', name, demands, attribute, anyOf: values(v) });
      else if (op === 'all') out.push({ kind: 'attribute', name, demands, attribute, allOf: values(v) });
      else if (OPERATOR_WORDS[op]) out.push(threshold(name, demands, attribute, OPERATOR_WORDS[op], v, undefined, where));
      else throw new TemplateError(`Operator '${op}' unsupported in ${where} (must be one of ${pyList(['any', 'all', 'eq', 'lt', 'lte', 'gt', 'gte'])})`);
    }
  }
  return out;
}

/** Tags are a set: `all` is one `tag.<t>` per tag; `any` of several cannot be an AND of attributes. */
function tagConstraints(name: string, demands: string[], op: string, v: unknown, where: string): Constraint[] {
  const tags = (Array.isArray(v) ? v : [v]).map(String);
  if (op === 'any' && tags.length > 1) throw new TemplateError(`'any' of several tags is not supported in ${where}; use 'all' or one tag`);
  return tags.map((t) => ({ kind: 'attribute', name, demands, attribute: `tag.${t}`, anyOf: [true] }));
}

/** `evaluate: [{attribute, operator, threshold, unit?}]` (HAS optimizer/constraints/threshold.py). */
function thresholdConstraints(tname: string, name: string, demands: string[], evaluate: unknown): Constraint[] {
  if (!Array.isArray(evaluate)) throw new TemplateError(`Property 'evaluate' of constraint named '${tname}' must be a list of {attribute, operator, threshold}`);
  return evaluate.map((e) => {
    if (!isMapping(e) || typeof e.attribute !== 'string' || e.threshold === undefined) {
      throw new TemplateError(`Each evaluate entry of constraint named '${tname}' needs an attribute and a threshold`);
    }
    const op = OPERATOR_WORDS[String(e.operator)];
    if (!op) throw new TemplateError(`Operator '${pyStr(e.operator)}' unsupported in constraint named '${tname}' (must be one of ${pyList(Object.keys(OPERATOR_WORDS))})`);
    return threshold(name, demands, attributeName(e.attribute), op, e.threshold, e.unit, `threshold of '${e.attribute}' in constraint named '${tname}'`);
  });
}

function threshold(name: string, demands: string[], attribute: string, op: CompareOp, v: unknown, unit: unknown, where: string): Constraint {
  return { kind: 'threshold', name, demands, attribute, op, value: toBase(v, unit, where, attributeKind(attribute)) };
}

function attrValue(attribute: string, v: unknown, where: string): AttrValue {
  if (attributeKind(attribute) && typeof v === 'string') return toBase(v, undefined, where, attributeKind(attribute));
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new TemplateError(`Value ${JSON.stringify(v)} in ${where} must be a string, number or boolean`);
}

function instanceCount(tname: string, props: Record<string, unknown>): number {
  const req = props.request;
  const raw = props.count ?? (isMapping(req) ? req.count : undefined) ?? 1;
  const n = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new TemplateError(`Count ${pyStr(raw)} in constraint named '${tname}' must be a whole number of hosts, at least 1`);
  return n;
}

/**
 * zone: the demands' candidates share (same) or all differ in (different) the category's
 * attribute. With `location` and category `country`, HAS also compares each candidate's
 * country with the location's (optimizer/constraints/zone.py); Corral can express `same` only.
 */
function zoneConstraints(tname: string, name: string, demands: string[], props: Record<string, unknown>, locations: Record<string, ResolvedLocation>): Constraint[] {
  if (typeof props.category !== 'string') throw new TemplateError(`Property 'category' of constraint named '${tname}' must be a string`);
  const qualifier = props.qualifier as 'same' | 'different';
  const attribute = zoneAttribute(props.category);
  const out: Constraint[] = [{ kind: 'zone', name, demands, qualifier, attribute }];
  if (typeof props.location === 'string' && props.category === 'country') {
    const country = locations[props.location]?.country;
    if (country === undefined) throw new TemplateError(`Location ${props.location} in constraint named '${tname}' has no known country`);
    if (qualifier !== 'same') throw new TemplateError(`A 'different' country zone relative to a location is not supported (constraint named '${tname}')`);
    out.push({ kind: 'attribute', name, demands, attribute: 'country', anyOf: [country] });
  }
  return out;
}
