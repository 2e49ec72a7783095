// A machine the SoT does not list, seen by DHCP on a discovery site, boots the site's discovery
// workflow (an inventory image, say) as a stand-in host built from what Corral knows of it.
import type { Host, HostRuntime, Mac, Sot, Workflow } from '../model/index.js';

export function discoveryTarget(sot: Sot, rt: HostRuntime | undefined, mac: Mac): { host: Host; workflow: Workflow } | undefined {
  if (rt?.state !== 'discovered' || !rt.discoveredSite) return undefined;
  const site = sot.sites.find((s) => s.id === rt.discoveredSite);
  const workflow = site?.discovery.workflow ? sot.workflows.find((w) => w.id === site.discovery.workflow) : undefined;
  if (!site || !workflow) return undefined;
  const host: Host = {
    id: rt.id,
    name: rt.id,
    siteId: site.id,
    clusterId: 'discovered',
    interfaces: [{ type: 'physical', mac, ignoreDhcp: false, source: site.source, ...(rt.lastIp && { ipv4: rt.lastIp }), ...(site.discovery.subnet && { subnet: site.discovery.subnet }) }],
    metadata: { discovered: true },
    neverProvision: false,
    hardware: { disks: [], arch: 'x86_64', firmware: 'bios' },
    labels: {},
    tags: [],
    source: site.source,
  };
  return { host, workflow };
}
