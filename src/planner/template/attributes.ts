// Attribute names a template may use, mapped to the names Corral's candidates carry
// (src/planner/inventory.ts). HAS passes attribute names to its inventory plug-in (A&AI), whose
// words differ from Corral's; the common ones are mapped here, any other name is used as written.
import type { UnitKind } from './units.js';

const ALIASES: Record<string, string> = {
  'cloud-region': 'site',
  cloud_region: 'site',
  'cloud-region-id': 'site',
  cloud_region_id: 'site',
  complex_name: 'complex',
  'complex-name': 'complex',
  'physical-location-id': 'clli',
  physical_location_id: 'clli',
  clli_code: 'clli',
  memory_bytes: 'memory',
  ram: 'memory',
  disk_bytes: 'disk',
  disk_size: 'disk',
  vcpus: 'cpus',
  cpu_cores: 'cpus',
  cores: 'cpus',
  architecture: 'arch',
};

/** The candidate attribute a template's attribute name means. */
export function attributeName(name: string): string {
  return ALIASES[name] ?? name;
}

/** Attributes held in bytes: a value with a size unit ("64G") is converted for them. */
const SIZE_ATTRIBUTES = new Set(['memory', 'disk']);

export function attributeKind(attribute: string): UnitKind | undefined {
  return SIZE_ATTRIBUTES.has(attribute) ? 'size' : undefined;
}

/**
 * Zone categories: HAS's (controller/translator_utils.py CONSTRAINTS.zone.allowed) plus Corral's
 * placement levels, each to the attribute whose equality defines the zone. `site_cluster` and
 * `site_rack` qualify a cluster or rack with its site: rack "r1" in two sites is two zones.
 * Any other category names a host label (`label.<category>`).
 */
const ZONE_ATTRIBUTES: Record<string, string> = {
  region: 'region',
  complex: 'complex',
  country: 'country',
  // A disaster zone is Corral's `zone` label: the failure domain an operator declares.
  disaster: 'label.zone',
  time: 'label.time_zone',
  maintenance: 'label.maintenance',
  site: 'site',
  cluster: 'site_cluster',
  rack: 'site_rack',
};

export function zoneAttribute(category: string): string {
  return ZONE_ATTRIBUTES[category] ?? (category.startsWith('label.') ? category : `label.${category}`);
}
