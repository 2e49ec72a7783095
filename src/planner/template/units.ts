// Units in templates, turned into the solver's base units (bytes, km; other HAS units to HAS's
// defaults). HAS parses units in threshold strings (common/threshold.py) but its solver then
// compares the number with haversine km whatever the unit; Corral converts every unit it reads.
//
// Sizes are BINARY throughout: K = KB = KiB = 2^10, G = GB = GiB = 2^30, T = TB = TiB = 2^40.
// Why: the host facts a template compares against were written in the SoT (`memory: 32G`,
// `disks: [{size: 480G}]`) and src/sot/shape.ts parseSize reads those with binary units,
// including "GB". Reading the template's "32G" or "GB" any other way would make
// `memory >= 32G` reject a host declared `memory: 32G`. A number without a unit is taken as
// already in base units (bytes, km, a count).
import type { CompareOp } from '../types.js';
import { TemplateError } from './model.js';

const SIZE_UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };
const SIZE_RE = /^([KMGTP]?)(?:I?B)?$/;

/** HAS's threshold units (common/threshold.py UNITS) plus metres; each to its default unit. */
const HAS_UNITS: Record<string, { kind: UnitKind; factor: number }> = {
  km: { kind: 'distance', factor: 1 },
  mi: { kind: 'distance', factor: 1.609344 },
  m: { kind: 'distance', factor: 0.001 },
  ms: { kind: 'time', factor: 1 },
  sec: { kind: 'time', factor: 1000 },
  Kbps: { kind: 'throughput', factor: 0.001 },
  Mbps: { kind: 'throughput', factor: 1 },
  Gbps: { kind: 'throughput', factor: 1000 },
  USD: { kind: 'currency', factor: 1 },
};

export type UnitKind = 'size' | 'distance' | 'time' | 'throughput' | 'currency';

/** A unit's kind and multiplier to base units, or undefined when it is no unit Corral knows. */
export function unitOf(unit: string): { kind: UnitKind; factor: number } | undefined {
  const has = HAS_UNITS[unit];
  if (has) return has;
  const m = SIZE_RE.exec(unit.toUpperCase());
  if (!m || unit === '') return undefined;
  return { kind: 'size', factor: SIZE_UNITS[m[1]!]! };
}

const NUMBER_WITH_UNIT = /^([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*([A-Za-z]*)$/;

/**
 * A number in base units from a value ("64G", "512 MiB", 250, "100 mi") and an optional separate
 * unit (threshold `unit: GB`). `expect` restricts the unit kind (a distance must be km/mi/m).
 */
export function toBase(value: unknown, unit: unknown, where: string, expect?: UnitKind): number {
  let num: number;
  let u = unit === undefined || unit === null ? '' : String(unit).trim();
  if (typeof value === 'number') num = value;
  else if (typeof value === 'string') {
    const m = NUMBER_WITH_UNIT.exec(value.trim());
    if (!m) throw new TemplateError(`Value '${value}' in ${where} is not a number with an optional unit`);
    num = Number(m[1]);
    if (m[2]) {
      if (u && u !== m[2]) throw new TemplateError(`Value '${value}' in ${where} has unit '${m[2]}' but unit '${u}' is also given`);
      u = m[2];
    }
  } else throw new TemplateError(`Value ${JSON.stringify(value)} in ${where} is not a number`);
  if (!Number.isFinite(num)) throw new TemplateError(`Value '${String(value)}' in ${where} is not a finite number`);
  if (!u) return num;
  const spec = unitOf(u);
  if (!spec) throw new TemplateError(`Unknown unit '${u}' in ${where}`);
  if (expect && spec.kind !== expect) throw new TemplateError(`Unit '${u}' in ${where} is not a ${expect} unit`);
  return num * spec.factor;
}

const OPS: Record<string, CompareOp> = { '=': 'eq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

/** One comparison from a threshold expression; a range "10-20 km" gives two (gte, lte). */
export interface Comparison {
  op: CompareOp;
  value: number;
}

/**
 * A HAS threshold expression ("< 250 km", ">= 10 mi", "100", "10-20 km", "<250km") in base units
 * of `kind`. Grammar of common/threshold.py: optional operator (= < > <= >=, default =), a value
 * or a min-max range (no operator but =), an optional unit; whitespace optional between parts.
 * Messages follow threshold.py's where it has one.
 */
export function parseThreshold(expression: unknown, kind: UnitKind, where: string): Comparison[] {
  if (typeof expression === 'number') return [{ op: 'eq', value: expression }];
  if (typeof expression !== 'string') throw new TemplateError(`Expression must be a string in ${where}`);
  const m = /^\s*(<=|>=|=|<|>)?\s*(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*([A-Za-z]*)\s*$/.exec(expression);
  if (!m) {
    if (!/\d/.test(expression)) throw new TemplateError(`Value/range missing in expression '${expression}'`);
    throw new TemplateError(`Unknown part in expression '${expression}' (${where})`);
  }
  const op = OPS[m[1] ?? '='];
  if (!op) throw new TemplateError(`Unknown operator in expression '${expression}'`);
  const unit = m[4] ?? '';
  const factor = unit ? unitFactor(unit, kind, expression) : 1;
  if (m[3] !== undefined) {
    if (m[1] && m[1] !== '=') throw new TemplateError(`Operator ${m[1]} not supported with range ${m[2]}-${m[3]} in expression '${expression}'`);
    const [a, b] = [Number(m[2]) * factor, Number(m[3]) * factor];
    return [{ op: 'gte', value: Math.min(a, b) }, { op: 'lte', value: Math.max(a, b) }];
  }
  return [{ op, value: Number(m[2]) * factor }];
}

function unitFactor(unit: string, kind: UnitKind, expression: string): number {
  const spec = unitOf(unit);
  if (!spec) throw new TemplateError(`Unknown part '${unit}' in expression '${expression}'`);
  if (spec.kind !== kind) throw new TemplateError(`Unit '${unit}' is not a ${kind} unit in expression '${expression}'`);
  return spec.factor;
}

/** HAS threshold `operator` words (solver/utils/utils.py OPERATIONS) to the solver's. */
export const OPERATOR_WORDS: Record<string, CompareOp> = { gte: 'gte', lte: 'lte', gt: 'gt', lt: 'lt', eq: 'eq' };
