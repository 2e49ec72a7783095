// What the DHCP library needs from the rest of the appliance, in one interface: the SoT's DHCP
// view, durable storage for leases, and where its events go. The library imports nothing else
// of Corral (pixiecore's Booter and smee's backend reader draw the same line). src/boot/
// implements it twice: over the live SoT, store and lifecycle in this thread
// (src/boot/dhcp-backend.ts), and inside the DHCP worker thread (src/boot/dhcp-worker.ts).
import type { Host, Interface, Lease, Mac, Site } from '../model/index.js';

/** The part of a SoT interface DHCP reads (BMC credentials stay out of it). */
export type DhcpInterface = Omit<Interface, 'bmc' | 'source'>;

/** The part of a SoT host DHCP reads. */
export interface DhcpHost extends Pick<Host, 'id' | 'name' | 'neverProvision'> {
  interfaces: DhcpInterface[];
}

/** The part of the SoT DHCP reads; a whole `Sot` is one. */
export interface DhcpSot {
  revision: string;
  sites: Site[];
  hosts: DhcpHost[];
}

/** The SoT host that lists a MAC, and which of its interfaces does. */
export interface HostMatch {
  host: DhcpHost;
  ifaceIndex: number;
}

/** A write to the lease records (keyed by MAC); the Store's transaction is one. */
export interface LeaseTx {
  put(c: 'leases', id: string, value: Lease): void;
  del(c: 'leases', id: string): void;
}

/** Durable lease records: read once at start, written one change at a time. */
export interface LeaseStore {
  list(c: 'leases'): Lease[];
  /** Resolves once the change is on disk (RFC 2131 §3.1: commit the binding, then ACK). */
  transact(fn: (tx: LeaseTx) => void): Promise<unknown>;
}

/** A host's DHCP event, as the lifecycle takes it. */
export interface DhcpHostEvent {
  type: 'dhcp.offered' | 'dhcp.acked';
  ip?: string;
}

export interface DhcpBackend {
  /** The SoT being served; undefined before the first good load (nothing is answered then). */
  sot(): DhcpSot | undefined;
  /** The SoT host listing this MAC (its first interface with it), if any. */
  hostByMac(mac: Mac): HostMatch | undefined;
  leases: LeaseStore;
  /** A listed host was offered or acked an address (its lifecycle and the boot client map). */
  report(hostId: string, event: DhcpHostEvent, data: Record<string, unknown>): Promise<unknown>;
  /** A journal note: an unknown MAC, a rogue server, an address conflict. */
  note(subject: string, type: string, data: Record<string, unknown>): Promise<unknown>;
  /** An unknown MAC got its first binding on a discovery site. */
  discovered(mac: Mac, ip: string, siteId: string): void;
}

/** The DHCP view of a SoT: what a worker thread is sent (no metadata, no BMC credentials). */
export function dhcpSot(sot: DhcpSot): DhcpSot {
  return {
    revision: sot.revision,
    // Site metadata and agents' raw YAML can be large and DHCP never reads them.
    sites: sot.sites.map((s) => ({ ...s, metadata: {}, agents: s.agents.map((a) => ({ ...a, raw: {} })) })),
    hosts: sot.hosts.map((h) => ({
      id: h.id,
      name: h.name,
      neverProvision: h.neverProvision,
      interfaces: h.interfaces.map(({ type, mac, subnet, ipv4, ipv6, identifier, hostname, ignoreDhcp }) => ({ type, mac, subnet, ipv4, ipv6, identifier, hostname, ignoreDhcp })),
    })),
  };
}

/** MAC -> the host listing it (first listing wins, as the SoT validator reports duplicates). */
export function indexByMac(sot: DhcpSot): Map<Mac, HostMatch> {
  const out = new Map<Mac, HostMatch>();
  for (const host of sot.hosts) {
    host.interfaces.forEach((i, ifaceIndex) => {
      if (i.mac && !out.has(i.mac)) out.set(i.mac, { host, ifaceIndex });
    });
  }
  return out;
}
