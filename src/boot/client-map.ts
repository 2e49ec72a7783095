// Which host is behind an IP address, as learnt from DHCP leases, port-4011 requests and iPXE
// script fetches. TFTP and kernel downloads carry no MAC; this is how their events reach the
// right host. Bounded: old entries are dropped first.
export interface ClientMap {
  observe(ip: string, hostId: string): void;
  hostFor(ip: string): string | undefined;
}

export function createClientMap(max = 65536): ClientMap {
  const byIp = new Map<string, string>();
  return {
    observe(ip, hostId) {
      const key = normalise(ip);
      byIp.delete(key); // re-insert: Map order doubles as recency
      byIp.set(key, hostId);
      if (byIp.size > max) byIp.delete(byIp.keys().next().value!);
    },
    hostFor: (ip) => byIp.get(normalise(ip)),
  };
}

function normalise(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
