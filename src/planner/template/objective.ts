// `optimization` -> the solver's linear Objective. BASE templates: HAS
// Translator.parse_optimization (messages kept); GENERIC (2020-08-13): etc/conductor/opt_schema.json
// and solver/request/generic_objective.py, limited to what stays a weighted sum.
import type { Objective, ObjectiveTerm } from '../types.js';
import { attributeName } from './attributes.js';
import { isMapping, pyList, TemplateError, type ResolvedLocation } from './model.js';

interface Names {
  demands: Record<string, unknown>;
  locations: Record<string, ResolvedLocation>;
}

export function buildObjective(opt: Record<string, unknown>, flavour: 'BASE' | 'GENERIC', names: Names): Objective | undefined {
  if (Object.keys(opt).length === 0) return undefined;
  return flavour === 'BASE' ? base(opt, names) : generic(opt, names);
}

function base(opt: Record<string, unknown>, names: Names): Objective {
  const keys = Object.keys(opt);
  if (keys.length !== 1 || keys[0] !== 'minimize') throw new TemplateError("Optimization must contain a single goal of 'minimize'.");
  const min = opt.minimize;
  if (!isMapping(min) || Object.keys(min).length !== 1 || !Object.hasOwn(min, 'sum')) {
    throw new TemplateError("Optimization goal 'minimize' must contain a single function of 'sum'.");
  }
  if (!Array.isArray(min.sum)) throw new TemplateError("Optimization goal 'minimize', function 'sum' must be a list of exactly two operands.");
  const terms: ObjectiveTerm[] = [];
  for (const operand of min.sum) terms.push(...baseOperand(operand, 1, names, true));
  return { goal: 'minimize', terms };
}

/**
 * One operand of the BASE sum: `{distance_between: [a, b]}` or `{product: [weight?, f]}`, where
 * f may be one nested `{sum: [...]}` (its operands get the product's weight: distributed).
 */
function baseOperand(operand: unknown, weight: number, names: Names, allowSum: boolean): ObjectiveTerm[] {
  if (!isMapping(operand) || Object.keys(operand).length !== 1) {
    throw new TemplateError(`Optimization operand ${JSON.stringify(operand)} must be a single 'distance_between' or 'product'`);
  }
  if (Object.hasOwn(operand, 'distance_between')) return distanceBetween(operand.distance_between, weight, names, true);
  if (Object.hasOwn(operand, 'product')) {
    const parts = operand.product;
    if (!Array.isArray(parts)) throw new TemplateError("Optimization 'product' must be a list of an optional weight and one function.");
    let w = weight;
    const fns: Record<string, unknown>[] = [];
    for (const p of parts) {
      const n = typeof p === 'number' ? p : typeof p === 'string' && p.trim() !== '' ? Number(p) : NaN;
      if (Number.isFinite(n)) w *= n;
      else if (isMapping(p)) fns.push(p);
      else throw new TemplateError(`Optimization product element ${JSON.stringify(p)} is neither a number nor a function`);
    }
    if (fns.length !== 1) {
      throw new TemplateError("Optimization products must include at least one 'distance_between' function call and one optional number to be used as a weight.");
    }
    const fn = fns[0]!;
    if (Object.hasOwn(fn, 'sum') && Object.keys(fn).length === 1) {
      if (!allowSum || !Array.isArray(fn.sum)) throw new TemplateError("Optimization allows one 'sum' nested inside a 'product', holding a list of operands.");
      return fn.sum.flatMap((o) => baseOperand(o, w, names, false));
    }
    return baseOperand(fn, w, names, allowSum);
  }
  const fn = Object.keys(operand)[0]!;
  if (['latency_between', 'aic_version', 'hpa_score'].includes(fn)) {
    throw new TemplateError(`Optimization function '${fn}' needs data Corral does not have (it knows distances and host attributes)`);
  }
  throw new TemplateError(`Unsupported optimization function '${fn}'`);
}

/**
 * distance_between [location, demand] (either order): weight x km, plus weight x the chosen
 * candidate's cost because HAS's BASE objective adds cost to every location distance
 * (solver/request/objective.py). [demand, demand] is Corral's extension: km only, as HAS computes
 * demand-to-demand distance.
 */
function distanceBetween(args: unknown, weight: number, names: Names, addCost: boolean): ObjectiveTerm[] {
  if (!Array.isArray(args) || args.length !== 2) throw new TemplateError("Optimization 'distance_between' arguments must be a list of length two.");
  const demands = args.filter((a): a is string => typeof a === 'string' && Object.hasOwn(names.demands, a));
  const locs = args.filter((a): a is string => typeof a === 'string' && Object.hasOwn(names.locations, a));
  if (demands.length === 2) return [{ kind: 'distance_between', demands: [demands[0]!, demands[1]!], weight }];
  if (demands.length !== 1 || locs.length !== 1) {
    throw new TemplateError(`Optimization 'distance_between' arguments ${pyList(args)} must include one valid demand name and one valid location name.`);
  }
  const loc = names.locations[locs[0]!]!;
  const point = { latitude: loc.latitude, longitude: loc.longitude };
  const terms: ObjectiveTerm[] = [{ kind: 'distance_to_point', demand: demands[0]!, point, weight }];
  if (addCost) terms.push({ kind: 'cost', demand: demands[0]!, weight });
  return terms;
}

/**
 * GENERIC: {goal: minimize|maximize, operation_function: {operator: sum, operands: [...]}}.
 * Operands: {function: distance_between|attribute, params, weight?, normalization?} or a nested
 * {operation_function, weight?, normalization?}. min/max over operands are not sums: refused.
 * normalization (v-start)/(end-start) becomes weight/(end-start); the constant -start/(end-start)
 * does not change which plan is best and is left out of the reported objective.
 */
function generic(opt: Record<string, unknown>, names: Names): Objective {
  const goal = opt.goal;
  if (goal !== 'minimize' && goal !== 'maximize') {
    throw new TemplateError("Optimization object is not valid. Validation error: 'goal' must be one of ['minimize', 'maximize']");
  }
  if (!isMapping(opt.operation_function)) throw new TemplateError("Optimization object is not valid. Validation error: 'operation_function' is a required property");
  return { goal, terms: operation(opt.operation_function, 1, names) };
}

function operation(fn: Record<string, unknown>, weight: number, names: Names): ObjectiveTerm[] {
  if (fn.operator !== 'sum') {
    throw new TemplateError(`Optimization operator '${String(fn.operator)}' is not supported: Corral optimizes sums of weighted terms only`);
  }
  if (!Array.isArray(fn.operands)) throw new TemplateError("Optimization object is not valid. Validation error: 'operands' is a required property");
  return fn.operands.flatMap((o) => genericOperand(o, weight, names));
}

function genericOperand(o: unknown, outer: number, names: Names): ObjectiveTerm[] {
  if (!isMapping(o)) throw new TemplateError(`Optimization operand ${JSON.stringify(o)} must be a dictionary`);
  let w = outer * (o.weight === undefined ? 1 : Number(o.weight));
  if (!Number.isFinite(w)) throw new TemplateError(`Optimization operand weight ${JSON.stringify(o.weight)} is not a number`);
  if (o.normalization !== undefined) {
    const n = o.normalization;
    if (!isMapping(n) || typeof n.start !== 'number' || typeof n.end !== 'number' || n.end === n.start) {
      throw new TemplateError('Optimization normalization needs numbers start and end that differ');
    }
    w /= n.end - n.start;
  }
  if (isMapping(o.operation_function)) return operation(o.operation_function, w, names);
  const params = isMapping(o.params) ? o.params : {};
  const demand = params.demand;
  if (typeof demand !== 'string' || !Object.hasOwn(names.demands, demand)) {
    throw new TemplateError(`${String(demand)} is not a valid demand name`);
  }
  if (o.function === 'distance_between') {
    const loc = typeof params.location === 'string' ? names.locations[params.location] : undefined;
    if (!loc) throw new TemplateError('The function distance_between expect the param location,but not found');
    // GENERIC distance is km only (solver/request/functions/distance_between.py): no cost term.
    return [{ kind: 'distance_to_point', demand, point: { latitude: loc.latitude, longitude: loc.longitude }, weight: w }];
  }
  if (o.function === 'attribute') {
    if (typeof params.attribute !== 'string') throw new TemplateError('The function attribute expect the param attribute,but not found');
    return [{ kind: 'attribute', demand, attribute: attributeName(params.attribute), weight: w }];
  }
  if (o.function === 'latency_between') throw new TemplateError("Optimization function 'latency_between' needs data Corral does not have");
  throw new TemplateError(`Unsupported optimization function '${String(o.function)}'`);
}
