// The HAS homing-template translator's own types: the error it raises, the inventory it reads
// and what a translation yields. The solver's contract (Problem, Candidate, ...) is ../types.ts.
import type { Candidate, GeoPoint, Problem } from '../types.js';

/**
 * A template HAS would refuse (TranslatorException / ThresholdException there). The plans API
 * turns it into the plan's `error` status with `message` as the explanation, as HAS does.
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** A parsed template: the mapping HAS calls the "template" dict. */
export type Template = Record<string, unknown>;

/** A named location, resolved to a point (and, when it came from inventory, where it is). */
export interface ResolvedLocation extends GeoPoint {
  country?: string;
  region?: string;
  complex?: string;
}

/** What a `locations` entry other than coordinates asks the inventory for (HAS LOCATION_KEYS). */
export type LocationRef = { host_name: string } | { clli_code: string };

/**
 * Where candidates come from: Corral's SoT plus reservations (src/planner/inventory.ts), or a
 * fake in tests. HAS asks A&AI for the same two things (resolve_demands, resolve_location).
 */
export interface Inventory {
  /** The inventory types this inventory can list ('host', 'cluster', 'site', 'cloud'). */
  readonly types: readonly string[];
  /** Every candidate of one type, fresh objects the caller may change; undefined for an unknown type. */
  candidates(inventoryType: string): Candidate[] | undefined;
  /** A host name or CLLI code as a point; undefined when nothing matches. */
  resolveLocation(ref: LocationRef): ResolvedLocation | undefined;
}

/** The translator's answer: what the solver needs, plus what recommend() and the API may show. */
export interface Translation {
  /** `homing_template_version`, as a string. */
  version: string;
  /** 'BASE' for 2016-11-01/2017-10-10/2018-02-01 templates, 'GENERIC' for 2020-08-13 (HAS's translator_version). */
  flavour: 'BASE' | 'GENERIC';
  problem: Problem;
  locations: Record<string, ResolvedLocation>;
}

/** What a candidate's `view` holds for recommend(): the HAS candidate fields, never read by the solver. */
export interface CandidateView {
  candidate_id: string;
  inventory_type: string;
  location_type?: string;
  location_id?: string;
  cloud_owner?: string;
  host_id?: string;
  physical_location_id?: string;
  service_resource_id?: string;
  /** Host candidates: where the machine is, shown in the recommendation's attributes. */
  site?: string;
  cluster?: string;
  rack?: string;
  /** The requirement's `passthrough_attributes`, copied into the recommendation's attributes. */
  passthrough?: Record<string, unknown>;
}

/** One demand's entry in a HAS recommendation (conductor/solver/service.py's `rec`). */
export interface RecommendationEntry {
  inventory_provider: string;
  service_resource_id: string | null;
  candidate: {
    candidate_id: string;
    inventory_type: string;
    location_type: string | null;
    location_id: string | null;
    cloud_owner?: string;
    is_rehome: 'false';
    host_id?: string;
  };
  attributes: Record<string, unknown>;
}

/** One solution: demand name -> entry. A plan's `recommendations` is a list of these. */
export type Recommendation = Record<string, RecommendationEntry>;

/** Python's repr of a list of strings, as HAS messages print them: ['a', 'b']. */
export function pyList(items: readonly unknown[]): string {
  return `[${items.map((i) => (typeof i === 'string' ? `'${i}'` : String(i))).join(', ')}]`;
}

/** Python's str() of a value inside a message: None for absent, True/False for booleans. */
export function pyStr(v: unknown): string {
  if (v === undefined || v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
