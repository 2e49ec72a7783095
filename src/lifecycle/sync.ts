// Keeps one runtime record per SoT host: a host new to the SoT starts `inactive` (resmgr's
// term: known, not provisioned). Records of hosts removed from the SoT are kept (history).
import type { HostRuntime, Sot } from '../model/index.js';
import type { Store } from '../store/store.js';

export async function syncHostRecords(store: Store, sot: Sot, now: number): Promise<number> {
  const missing = sot.hosts.filter((h) => !store.get('hosts', h.id));
  if (missing.length === 0) return 0;
  await store.transact((tx) => {
    for (const h of missing) {
      if (tx.get('hosts', h.id)) continue;
      const rt: HostRuntime = { id: h.id, state: 'inactive', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: now, updatedAt: now };
      if (h.workflow) rt.workflow = h.workflow;
      tx.put('hosts', h.id, rt);
      tx.event({ subject: h.id, type: 'host.added', at: now, data: { site: h.siteId, cluster: h.clusterId, revision: sot.revision } });
    }
  });
  return missing.length;
}
