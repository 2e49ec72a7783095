// Great-circle distance, as HAS computes it for distance constraints and objectives
// (haversine on a sphere of radius 6371 km). Pure.
import type { GeoPoint } from './types.js';

export const EARTH_RADIUS_KM = 6371;

const RAD = Math.PI / 180;

/** Haversine distance in km between two points given in degrees. */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.latitude - a.latitude) * RAD;
  const dLon = (b.longitude - a.longitude) * RAD;
  const s =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * RAD) * Math.cos(b.latitude * RAD) * Math.sin(dLon / 2) ** 2;
  // min() guards against rounding pushing s a hair above 1 for antipodal points.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}
