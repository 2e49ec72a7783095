// `demands`: each a LIST of requirement blocks, each block a source of candidates (inline
// `candidates`, or the inventory by `inventory_type`) narrowed by required/excluded lists and
// filtering attributes (HAS Translator.parse_demands + the A&AI plug-in's resolve_demands).
import type { AttrValue, Candidate, Demand } from '../types.js';
import { attributeKind, attributeName } from './attributes.js';
import { isMapping, pyStr, TemplateError, type CandidateView, type Inventory } from './model.js';
import { toBase } from './units.js';

/** HAS DEMAND_KEYS: any other key in a requirement is an error. */
export const DEMAND_KEYS = [
  'filtering_attributes', 'passthrough_attributes', 'default_attributes', 'candidates', 'complex',
  'conflict_identifier', 'customer_id', 'default_cost', 'excluded_candidates', 'existing_placement',
  'flavor', 'inventory_provider', 'inventory_type', 'port_key', 'region', 'required_candidates',
  'service_id', 'service_resource_id', 'service_subscription', 'service_type', 'subdivision', 'unique', 'vlan_key',
];

/** Corral is the provider; `aai` is accepted so A&AI templates move over unchanged. */
export const INVENTORY_PROVIDERS = ['corral', 'aai'];

/** Inline candidate keys read as candidate fields; every other key becomes an attribute. */
const CANDIDATE_FIELDS = new Set(['candidate_id', 'inventory_type', 'candidate_type', 'inventory_provider', 'cost', 'latitude', 'longitude', 'uniqueness']);

type Requirement = Record<string, unknown>;

export function buildDemands(demands: Record<string, unknown>, inventory: Inventory): Demand[] {
  // HAS: parse_demands refuses an empty section only here, after validate_components.
  if (Object.keys(demands).length === 0) throw new TemplateError('demand is not provided in the template');
  return Object.entries(demands).map(([name, reqs]) => ({ name, candidates: demandCandidates(name, reqs, inventory) }));
}

function demandCandidates(name: string, reqs: unknown, inventory: Inventory): Candidate[] {
  if (!Array.isArray(reqs) || reqs.length === 0 || !reqs.every(isMapping)) {
    throw new TemplateError(`Demand ${name} must be a list of one or more requirement dictionaries`);
  }
  for (const req of reqs) checkRequirement(name, req, inventory);
  for (const req of reqs) checkDisjoint(name, req);
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const req of reqs) {
    for (const c of requirementCandidates(name, req, inventory)) {
      // One demand lists a candidate once (types.ts); the first requirement naming it wins.
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      out.push(c);
    }
  }
  if (out.length === 0) {
    const required = reqs.some((r) => Array.isArray(r.required_candidates) && r.required_candidates.length > 0);
    throw new TemplateError(required ? `Unable to find any required candidate for demand ${name}` : `Unable to find any candidate for demand ${name}`);
  }
  return out;
}

function checkRequirement(name: string, req: Requirement, inventory: Inventory): void {
  for (const key of Object.keys(req)) {
    if (!DEMAND_KEYS.includes(key)) throw new TemplateError(`Demand ${name} has an invalid key ${key}`);
  }
  const provider = req.inventory_provider;
  if (provider !== undefined && !INVENTORY_PROVIDERS.includes(String(provider))) {
    throw new TemplateError(`Unsupported inventory provider ${pyStr(provider)} in demand ${name}`);
  }
  if (req.candidates !== undefined) {
    if (!Array.isArray(req.candidates)) throw new TemplateError(`Candidates of demand ${name} must be a list`);
    for (const c of req.candidates) {
      if (!isMapping(c)) throw new TemplateError(`Candidate found in demand ${name} that is not a dictionary`);
    }
    return;
  }
  const type = req.inventory_type;
  if (type === undefined || type === null || type === '') throw new TemplateError(`Inventory type not specified for demand ${name}`);
  if (typeof type !== 'string' || !inventory.types.includes(type)) {
    throw new TemplateError(`Unknown inventory type ${pyStr(type)} specified for demand ${name}`);
  }
}

/** HAS: a candidate both required and excluded is an error, not an empty demand. */
function checkDisjoint(name: string, req: Requirement): void {
  const required = new Set(entries(name, req.required_candidates, 'required_candidates').flatMap((e) => e.ids));
  const both = entries(name, req.excluded_candidates, 'excluded_candidates').flatMap((e) => e.ids).filter((id) => required.has(id));
  if (both.length) {
    throw new TemplateError(`Required candidate list and excluded candidate list are not mutually exclusive for demand ${name}`);
  }
}

interface Entry {
  type?: string;
  ids: string[];
}

/** required/excluded_candidates: [{inventory_type?, candidate_id: id | [ids]}]. */
function entries(name: string, v: unknown, key: string): Entry[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TemplateError(`${key} of demand ${name} must be a list`);
  return v.map((e) => {
    if (!isMapping(e) || e.candidate_id === undefined) throw new TemplateError(`Each of ${key} of demand ${name} needs a candidate_id`);
    const ids = (Array.isArray(e.candidate_id) ? e.candidate_id : [e.candidate_id]).map(String);
    return typeof e.inventory_type === 'string' ? { type: e.inventory_type, ids } : { ids };
  });
}

/** The A&AI plug-in's match_candidate_by_list: same inventory type (when given) and a listed id. */
function matches(c: Candidate, list: Entry[]): boolean {
  return list.some((e) => (e.type === undefined || e.type === c.inventoryType) && e.ids.includes(c.id));
}

function requirementCandidates(name: string, req: Requirement, inventory: Inventory): Candidate[] {
  const fromTemplate = Array.isArray(req.candidates);
  let list = fromTemplate
    ? (req.candidates as Record<string, unknown>[]).map((c) => inlineCandidate(name, c, req))
    : inventory.candidates(req.inventory_type as string)!;
  const required = entries(name, req.required_candidates, 'required_candidates');
  const excluded = entries(name, req.excluded_candidates, 'excluded_candidates');
  if (required.length) list = list.filter((c) => matches(c, required));
  if (excluded.length) list = list.filter((c) => !matches(c, excluded));
  const filters = filtersOf(name, req);
  list = list.filter((c) => filters.every(([attr, wanted]) => wanted.some((w) => sameValue(c.attributes[attr], w))));
  const unique = req.unique === true || req.unique === 'true';
  const defaultCost = req.default_cost === undefined ? 0 : cost(name, req.default_cost);
  const passthrough = isMapping(req.passthrough_attributes) ? req.passthrough_attributes : undefined;
  const resourceId = req.service_resource_id === undefined ? undefined : String(req.service_resource_id);
  return list.map((c) => {
    const view = { ...(c.view ?? {}) } as Record<string, unknown>;
    if (passthrough) view.passthrough = { ...passthrough };
    if (resourceId !== undefined) view.service_resource_id = resourceId;
    return { ...c, cost: fromTemplate ? c.cost : c.cost || defaultCost, exclusive: c.exclusive || unique, view };
  });
}

/**
 * filtering_attributes (all must match; a list value means any of its items) plus the
 * requirement's `region` and `complex` keys, which HAS's A&AI plug-in filters cloud regions by.
 */
function filtersOf(name: string, req: Requirement): [string, AttrValue[]][] {
  const out: [string, AttrValue[]][] = [];
  const add = (key: string, v: unknown) => {
    const attr = attributeName(key);
    const kind = attributeKind(attr);
    const values = (Array.isArray(v) ? v : [v]).map((x) => (kind && typeof x === 'string' ? toBase(x, undefined, `filtering_attributes of demand ${name}`, kind) : scalar(x)));
    out.push([attr, values]);
  };
  if (req.filtering_attributes !== undefined) {
    if (!isMapping(req.filtering_attributes)) throw new TemplateError(`filtering_attributes of demand ${name} must be a dictionary`);
    for (const [k, v] of Object.entries(req.filtering_attributes)) add(k, v);
  }
  if (req.candidates === undefined) {
    if (req.region !== undefined) add('region', req.region);
    if (req.complex !== undefined) add('complex', req.complex);
  }
  return out;
}

/** Equal as the template wrote it: 8 matches "8", true matches "true". */
export function sameValue(have: AttrValue | undefined, want: AttrValue): boolean {
  return have !== undefined && (have === want || String(have) === String(want));
}

function scalar(v: unknown): AttrValue {
  return typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
}

function cost(name: string, v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new TemplateError(`Cost ${pyStr(v)} in demand ${name} is not a number`);
  return n;
}

/** An inline candidate (HAS candidate schema; any extra key is an attribute the constraints can read). */
function inlineCandidate(name: string, raw: Record<string, unknown>, req: Requirement): Candidate {
  if (raw.candidate_id === undefined || raw.candidate_id === null || raw.candidate_id === '') {
    throw new TemplateError(`Candidate without candidate_id found in demand ${name}`);
  }
  const id = String(raw.candidate_id);
  const type = String(raw.inventory_type ?? raw.candidate_type ?? req.inventory_type ?? 'cloud');
  const attributes: Record<string, AttrValue | undefined> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (CANDIDATE_FIELDS.has(k)) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[attributeName(k)] = v;
  }
  // A cloud candidate's id is its cloud region: Corral's `site` attribute.
  if ((type === 'cloud' || type === 'site') && attributes.site === undefined) attributes.site = id;
  const latitude = Number(raw.latitude);
  const longitude = Number(raw.longitude);
  const hasPoint = raw.latitude !== undefined && raw.longitude !== undefined && Number.isFinite(latitude) && Number.isFinite(longitude);
  const view: CandidateView = { candidate_id: id, inventory_type: type };
  for (const k of ['location_type', 'location_id', 'cloud_owner', 'host_id', 'physical_location_id'] as const) {
    if (raw[k] !== undefined && raw[k] !== null) view[k] = String(raw[k]);
  }
  const candidate: Candidate = {
    id, inventoryType: type, cost: raw.cost === undefined ? 0 : cost(name, raw.cost), attributes,
    // HAS keeps a candidate for the next solution unless `uniqueness` is 'true'; within one
    // solution an inline candidate may serve several demands unless it says it is unique.
    exclusive: raw.uniqueness === true || raw.uniqueness === 'true',
    view: { ...view },
  };
  if (view.location_id !== undefined) candidate.locationId = view.location_id;
  if (view.location_type !== undefined) candidate.locationType = view.location_type;
  if (hasPoint) candidate.point = { latitude, longitude };
  return candidate;
}
