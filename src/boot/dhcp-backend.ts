// The DHCP library's backend (src/dhcp/backend.ts) over this thread's live SoT, store and
// lifecycle. The appliance runs DHCP in a worker thread (dhcp-thread.ts); this one serves the
// tests and benches that drive the library directly, and the boot services when no data folder
// is given (nowhere for the worker's lease store).
import type { DhcpBackend } from '../dhcp/backend.js';
import type { Mac } from '../model/index.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';

export interface LiveBackendDeps {
  sot: Pick<LiveSot, 'current' | 'index'>;
  /** Leases are this store's `leases` collection. */
  store: Store;
  /** The lifecycle (its report and note take these events). */
  lifecycle: Pick<DhcpBackend, 'report' | 'note'>;
  onDiscovered?(mac: Mac, ip: string, siteId: string): void;
}

export function liveDhcpBackend(d: LiveBackendDeps): DhcpBackend {
  return {
    sot: () => d.sot.current(),
    hostByMac: (mac) => d.sot.index().hostsByMac.get(mac),
    leases: d.store,
    report: (hostId, event, data) => d.lifecycle.report(hostId, event, data),
    note: (subject, type, data) => d.lifecycle.note(subject, type, data),
    discovered: (mac, ip, siteId) => d.onDiscovered?.(mac, ip, siteId),
  };
}

/** A MAC's iPXE script URL. Hyphens, not colons: iPXE percent-encodes ':' in a URL path. */
export const ipxeScriptUrl = (bootUrl: string, mac: Mac): string => `${bootUrl}/ipxe/${mac.replace(/:/g, '-')}`;
