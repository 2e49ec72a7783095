// Corral's inventory as the HAS translator sees it: free hosts, clusters and sites as candidates,
// host names and CLLI codes as points. HAS asks A&AI for the same (data/plugins/inventory_provider).
import type { Cluster, Host, Site, Sot } from '../model/sot.js';
import type { CandidateView, Inventory, LocationRef, ResolvedLocation } from './template/model.js';
import type { AttrValue, Candidate, GeoPoint } from './types.js';

export interface InventoryOptions {
  /** False for hosts that are reserved, held or provisioned: they are no candidates. */
  isFree(hostId: string): boolean;
}

/** HAS's `cloud` (a cloud region) is Corral's site: the same candidates under HAS's name. */
export const INVENTORY_TYPES = ['host', 'cluster', 'site', 'cloud'] as const;

/** Recommendations name Corral as the cloud owner of its own sites and hosts. */
const OWNER = 'corral';

export function inventoryFrom(sot: Sot, opts: InventoryOptions): Inventory {
  const sites = new Map(sot.sites.map((s) => [s.id, s]));
  const free = sot.hosts.filter((h) => opts.isFree(h.id));
  const freeIn = (pred: (h: Host) => boolean) => free.filter(pred).length;
  return {
    types: INVENTORY_TYPES,
    candidates(type) {
      switch (type) {
        case 'host':
          return free.map((h) => hostCandidate(h, sites.get(h.siteId)));
        case 'cluster':
          return sot.clusters.map((c) => clusterCandidate(c, sites.get(c.siteId), freeIn((h) => h.siteId === c.siteId && h.clusterId === c.id)));
        case 'site':
        case 'cloud':
          return sot.sites.map((s) => siteCandidate(s, type, freeIn((h) => h.siteId === s.id)));
        default:
          return undefined;
      }
    },
    resolveLocation(ref: LocationRef): ResolvedLocation | undefined {
      if ('host_name' in ref) {
        const h = sot.hosts.find((x) => x.id === ref.host_name || x.name === ref.host_name);
        if (!h) return undefined;
        const site = sites.get(h.siteId);
        const point = hostPoint(h, site);
        return point && { ...point, ...place(h.labels, site) };
      }
      const code = ref.clli_code.toUpperCase();
      const site = sot.sites.find((s) => str(s.metadata.clli ?? s.metadata.clli_code)?.toUpperCase() === code);
      const point = site && pointOf(site.metadata);
      return point && { ...point, ...place({}, site) };
    },
  };
}

function hostCandidate(h: Host, site: Site | undefined): Candidate {
  const rack = h.labels.rack;
  const p = place(h.labels, site);
  const attributes: Record<string, AttrValue | undefined> = {
    memory: h.hardware.memoryBytes,
    disk: h.hardware.disks.reduce((sum, d) => sum + d.sizeBytes, 0),
    cpus: h.hardware.cpuCores,
    gpus: h.hardware.gpus,
    arch: h.hardware.arch,
    firmware: h.hardware.firmware,
    site: h.siteId,
    cluster: h.clusterId,
    site_cluster: `${h.siteId}/${h.clusterId}`,
    rack,
    site_rack: rack === undefined ? undefined : `${h.siteId}/${rack}`,
    region: p.region,
    country: p.country,
    complex: p.complex,
    clli: site && str(site.metadata.clli ?? site.metadata.clli_code),
    // A free host is one free host: instance_fit with count 1 holds for it.
    free_hosts: 1,
    tags: h.tags.join(','),
  };
  for (const [k, v] of Object.entries(h.labels)) attributes[`label.${k}`] = v;
  for (const t of h.tags) attributes[`tag.${t}`] = true;
  const view: CandidateView = {
    candidate_id: h.id, inventory_type: 'host', location_type: 'site', location_id: h.siteId, cloud_owner: OWNER,
    host_id: h.id, site: h.siteId, cluster: h.clusterId, rack,
  };
  if (attributes.clli !== undefined) view.physical_location_id = String(attributes.clli);
  return {
    id: h.id, inventoryType: 'host', locationId: h.siteId, locationType: 'site',
    point: hostPoint(h, site), cost: 0, attributes, exclusive: true, view: { ...view },
  };
}

function clusterCandidate(c: Cluster, site: Site | undefined, freeHosts: number): Candidate {
  // A cluster id is unique within its site only: the candidate id qualifies it.
  const id = `${c.siteId}/${c.id}`;
  const p = place({}, site);
  const clli = site && str(site.metadata.clli ?? site.metadata.clli_code);
  const view: CandidateView = { candidate_id: id, inventory_type: 'cluster', location_type: 'site', location_id: c.siteId, cloud_owner: OWNER, site: c.siteId, cluster: c.id };
  if (clli) view.physical_location_id = clli;
  return {
    id, inventoryType: 'cluster', locationId: c.siteId, locationType: 'site',
    point: site && pointOf(site.metadata), cost: 0, exclusive: false, view: { ...view },
    attributes: { ...metaAttributes(c.metadata), site: c.siteId, cluster: c.id, site_cluster: id, region: p.region, country: p.country, complex: p.complex, clli, free_hosts: freeHosts, hosts: c.hostIds.length },
  };
}

function siteCandidate(s: Site, type: 'site' | 'cloud', freeHosts: number): Candidate {
  const p = place({}, s);
  const clli = str(s.metadata.clli ?? s.metadata.clli_code);
  const view: CandidateView = { candidate_id: s.id, inventory_type: type, location_type: 'site', location_id: s.id, cloud_owner: OWNER, site: s.id };
  if (clli) view.physical_location_id = clli;
  return {
    id: s.id, inventoryType: type, locationId: s.id, locationType: 'site',
    point: pointOf(s.metadata), cost: 0, exclusive: false, view: { ...view },
    attributes: { ...metaAttributes(s.metadata), site: s.id, region: p.region, country: p.country, complex: p.complex, clli, free_hosts: freeHosts, clusters: s.clusterIds.length },
  };
}

/** Region, country and complex: the host's labels, else its site's metadata. */
function place(labels: Record<string, string>, site: Site | undefined): { region?: string; country?: string; complex?: string } {
  const m = site?.metadata ?? {};
  const out: { region?: string; country?: string; complex?: string } = {};
  for (const k of ['region', 'country', 'complex'] as const) {
    const v = labels[k] ?? str(m[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function hostPoint(h: Host, site: Site | undefined): GeoPoint | undefined {
  return pointOf(h.labels) ?? (site && pointOf(site.metadata));
}

/** latitude/longitude from labels or metadata (numbers or numeric strings), in range. */
export function pointOf(m: Record<string, unknown>): GeoPoint | undefined {
  const lat = num(m.latitude);
  const lon = num(m.longitude);
  if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return { latitude: lat, longitude: lon };
}

/** Scalar metadata as attributes (label-like facts an operator put on a site or cluster). */
function metaAttributes(m: Record<string, unknown>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[`meta.${k}`] = v;
  }
  return out;
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
