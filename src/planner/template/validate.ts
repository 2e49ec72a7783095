// The template's outer shape, checked before anything is resolved: HAS's translator_svc version
// check and Translator.validate_components, in their order and with their messages.
import { isMapping, pyList, TemplateError, type Template } from './model.js';

/** HAS controller/translator_utils.py VERSIONS. Corral implements both flavours. */
export const VERSIONS = {
  BASE: ['2016-11-01', '2017-10-10', '2018-02-01'],
  GENERIC: ['2020-08-13'],
} as const;

/** HAS LOCATION_KEYS. */
export const LOCATION_KEYS = ['latitude', 'longitude', 'host_name', 'clli_code'];
/** HAS CONSTRAINT_KEYS. */
export const CONSTRAINT_KEYS = ['type', 'demands', 'properties'];

/** The template's sections, each defaulted to {} as HAS's create_components does. */
export interface Sections {
  version: string;
  flavour: 'BASE' | 'GENERIC';
  parameters: Record<string, unknown>;
  locations: Record<string, unknown>;
  demands: Record<string, unknown>;
  constraints: Record<string, unknown>;
  optimization: Record<string, unknown>;
}

export function validateSections(t: Template): Sections {
  const version = versionOf(t.homing_template_version);
  const flavour = (VERSIONS.GENERIC as readonly string[]).includes(version) ? 'GENERIC'
    : (VERSIONS.BASE as readonly string[]).includes(version) ? 'BASE' : undefined;
  if (!flavour) {
    // translator_svc's check, which runs before a Translator exists, lists every version.
    throw new TemplateError(`conductor_template_version must be one of: ${[...VERSIONS.BASE, ...VERSIONS.GENERIC].join(', ')}`);
  }
  const section = (key: string, name: string): Record<string, unknown> => {
    const v = t[key] ?? {};
    if (!isMapping(v)) throw new TemplateError(`${name} section must be a dictionary`);
    return v;
  };
  const s: Sections = {
    version,
    flavour,
    parameters: section('parameters', 'Parameter'),
    locations: section('locations', 'Location'),
    demands: section('demands', 'Demand'),
    constraints: section('constraints', 'Constraint'),
    optimization: section('optimization', 'Optimization'),
  };
  section('reservation', 'Reservation');
  for (const [name, def] of Object.entries(s.locations)) {
    if (!isMapping(def)) throw new TemplateError(`Location ${name} must be a dictionary`);
    for (const key of Object.keys(def)) {
      if (!LOCATION_KEYS.includes(key)) throw new TemplateError(`Location ${name} has an invalid key ${key}`);
    }
  }
  for (const [name, def] of Object.entries(s.constraints)) {
    if (!isMapping(def)) throw new TemplateError(`Constraint ${name} must be a dictionary`);
    for (const key of Object.keys(def)) {
      if (!CONSTRAINT_KEYS.includes(key)) throw new TemplateError(`Constraint ${name} has an invalid key ${key}`);
    }
    checkConstraintDemands(name, def, s);
  }
  return s;
}

/** The constraint's demands as a list (HAS accepts one name as a string). */
export function constraintDemands(def: Record<string, unknown>): string[] {
  const d = def.demands;
  return typeof d === 'string' ? [d] : (d as string[]);
}

function checkConstraintDemands(name: string, def: Record<string, unknown>, s: Sections): void {
  const d = def.demands;
  const list = typeof d === 'string' ? [d] : d;
  if (!Array.isArray(list) || list.length < 1 || !list.every((x) => typeof x === 'string')) {
    throw new TemplateError(`Demand list for Constraint ${name} must be a list of names or a string with one name`);
  }
  // HAS lets a location name pass here; Corral does not (a location cannot be placed).
  const undefinedDemands = [...new Set(list.filter((x) => !Object.hasOwn(s.demands, x)))];
  if (undefinedDemands.length) {
    throw new TemplateError(`Undefined Demand(s) ${pyList(undefinedDemands)} in Constraint '${name}'`);
  }
  const props = def.properties;
  if (isMapping(props) && props.location !== undefined && props.location !== null && props.location !== '') {
    if (typeof props.location !== 'string' || !Object.hasOwn(s.locations, props.location)) {
      throw new TemplateError(`Location ${String(props.location)} in Constraint ${name} is undefined`);
    }
  }
}

/** PyYAML reads `2017-10-10` as a date and HAS str()s it; the yaml package keeps the string. */
function versionOf(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return typeof v === 'string' ? v : String(v);
}
