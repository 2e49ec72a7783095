// `locations`: coordinates as written, host names and CLLI codes through the inventory
// (HAS Translator.parse_locations and the data service's resolve_location).
import { isMapping, TemplateError, type Inventory, type ResolvedLocation } from './model.js';

export function resolveLocations(locations: Record<string, unknown>, inventory: Inventory): Record<string, ResolvedLocation> {
  const out: Record<string, ResolvedLocation> = {};
  for (const [name, def] of Object.entries(locations)) {
    const resolved = isMapping(def) ? resolveOne(def, inventory) : undefined;
    // HAS: "Unable to resolve location {}".
    if (!resolved) throw new TemplateError(`Unable to resolve location ${name}`);
    out[name] = resolved;
  }
  return out;
}

function resolveOne(def: Record<string, unknown>, inventory: Inventory): ResolvedLocation | undefined {
  if (def.latitude !== undefined || def.longitude !== undefined) {
    // HAS tests `latitude and longitude` for truth, so a 0 falls through to the inventory;
    // Corral takes 0 as the number it is.
    const latitude = coordinate(def.latitude, 90);
    const longitude = coordinate(def.longitude, 180);
    if (latitude !== undefined && longitude !== undefined) return { latitude, longitude };
  }
  if (typeof def.host_name === 'string' && def.host_name) return inventory.resolveLocation({ host_name: def.host_name });
  if (typeof def.clli_code === 'string' && def.clli_code) return inventory.resolveLocation({ clli_code: def.clli_code });
  return undefined;
}

function coordinate(v: unknown, limit: number): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : undefined;
}
