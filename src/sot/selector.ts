// Whether a host matches a pool's selector (pure): every given criterion must hold; an empty
// list or map does not constrain.
import type { Host, HostSelector } from '../model/index.js';

export function selectorMatches(h: Host, s: HostSelector): boolean {
  if (s.sites.length && !s.sites.includes(h.siteId)) return false;
  if (s.clusters.length && !s.clusters.includes(h.clusterId)) return false;
  if (s.hosts.length && !s.hosts.includes(h.id)) return false;
  for (const [k, v] of Object.entries(s.labels)) if (h.labels[k] !== v) return false;
  if (s.minCpuCores !== undefined && (h.hardware.cpuCores ?? 0) < s.minCpuCores) return false;
  if (s.minMemoryBytes !== undefined && (h.hardware.memoryBytes ?? 0) < s.minMemoryBytes) return false;
  if (s.minDiskBytes !== undefined && !h.hardware.disks.some((d) => d.sizeBytes >= s.minDiskBytes!)) return false;
  if (s.firmware !== undefined && h.hardware.firmware !== s.firmware) return false;
  return true;
}
