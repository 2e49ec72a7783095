// Whether this process may run boot services (pure: reads the text of /proc/self/status).
// DHCP (67) and TFTP (69) are privileged ports; DHCP replies bound to an interface need raw
// sockets. Root has both; otherwise CAP_NET_BIND_SERVICE (bit 10) and CAP_NET_RAW (bit 13).

export interface BootPrivileges {
  bindLowPorts: boolean;
  rawSockets: boolean;
}

const CAP_NET_BIND_SERVICE = 10n;
const CAP_NET_RAW = 13n;

export function privilegesFromStatus(status: string): BootPrivileges {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(status);
  const eff = m ? BigInt(`0x${m[1]}`) : 0n;
  return { bindLowPorts: ((eff >> CAP_NET_BIND_SERVICE) & 1n) === 1n, rawSockets: ((eff >> CAP_NET_RAW) & 1n) === 1n };
}

/** What to tell the operator about boot services on this platform with these privileges. */
export function privilegeAdvice(platform: string, p: BootPrivileges | undefined): { ok: boolean; text: string } {
  if (platform !== 'linux') {
    return { ok: false, text: 'Boot services (DHCP, TFTP, boot HTTP) are supported on Linux. Here, run with boot services off: the app manages a Corral appliance over its API.' };
  }
  if (p?.bindLowPorts && p.rawSockets) return { ok: true, text: 'This app has the privileges boot services need (CAP_NET_BIND_SERVICE and CAP_NET_RAW).' };
  return {
    ok: false,
    text:
      'Boot services need CAP_NET_BIND_SERVICE (ports 67 and 69) and CAP_NET_RAW (DHCP on one interface), which this app does not have. ' +
      'Either install the corral .deb and start its service (systemctl enable --now corral: the packaged unit grants exactly these two), and this app attaches to it; ' +
      'or leave the network interface empty to run unprivileged with boot services off.',
  };
}
