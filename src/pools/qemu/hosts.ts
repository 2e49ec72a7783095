// How a qemu pool's VMs enter Corral's inventory (pure): at SoT load, after the sites are built
// and before the cross-checks, each qemu pool adds `vms` hosts "<pool>-vm<N>" to its site and
// cluster, as if an operator had declared them. From then on they are machines like any other:
// DHCP and the boot chain know their MACs, the lifecycle drives them through a BMC of type
// "qemu" (src/bmc/qemu.ts: the provider powers the VM and sets its boot order), the API lists
// them, and the cross-checks catch a clash with a declared host's name, MAC or IP.
import type { Cluster, Host, Pool, Sot } from '../../model/index.js';
import { vmIp, vmMac, vmName } from './names.js';

export interface PoolVms {
  pool: Pool;
  hosts: Host[];
  /** The cluster made for them when their site had none of that id. */
  cluster?: Cluster;
}

/** The hosts of one qemu pool in `sot`; none when its site or subnet is missing (crossref says so). */
export function poolVmHosts(sot: Pick<Sot, 'sites'>, pool: Pool): Host[] {
  const q = pool.qemu;
  if (pool.provider !== 'qemu' || !q) return [];
  const site = sot.sites.find((s) => s.id === q.site);
  const subnet = site?.subnets.find((s) => s.id === q.subnet);
  if (!site || !subnet) return [];
  const hosts: Host[] = [];
  for (let n = 1; n <= q.vms; n++) {
    const name = vmName(pool.name, n);
    const ipv4 = vmIp(subnet.cidr, q.vms, n, q.ipStart);
    hosts.push({
      id: name,
      name,
      siteId: site.id,
      clusterId: q.cluster,
      interfaces: [
        { type: 'physical', mac: vmMac(pool.name, n), subnet: subnet.id, ...(ipv4 && { ipv4 }), ignoreDhcp: false, source: pool.source },
        // The BMC's address only has to be unique: the registry serialises commands per address.
        { type: 'bmc', ignoreDhcp: true, bmc: { type: 'qemu', address: `qemu:${name}`, softReboot: false }, source: pool.source },
      ],
      metadata: { qemu_pool: pool.name },
      neverProvision: false,
      hardware: { cpuCores: q.cpus, memoryBytes: q.memoryBytes, disks: [{ name: 'vda', sizeBytes: q.diskBytes }], arch: 'x86_64', firmware: q.firmware },
      labels: { provider: 'qemu', pool: pool.name },
      tags: ['qemu-vm'],
      source: pool.source,
    });
  }
  return hosts;
}

/** Adds every qemu pool's VMs (and missing clusters) to `sot` in place; returns what it added, by pool. */
export function addPoolVms(sot: Sot): PoolVms[] {
  const out: PoolVms[] = [];
  for (const pool of sot.pools) {
    const hosts = poolVmHosts(sot, pool);
    if (!hosts.length) continue;
    const q = pool.qemu!;
    const site = sot.sites.find((s) => s.id === q.site)!;
    let cluster = sot.clusters.find((c) => c.siteId === site.id && c.id === q.cluster);
    const made = !cluster;
    if (!cluster) {
      cluster = { id: q.cluster, siteId: site.id, name: q.cluster, description: `VMs of qemu pool "${pool.name}"`, metadata: {}, hostIds: [], source: pool.source };
      sot.clusters.push(cluster);
      site.clusterIds.push(cluster.id);
    }
    cluster.hostIds.push(...hosts.map((h) => h.id));
    sot.hosts.push(...hosts);
    out.push({ pool, hosts, ...(made && { cluster }) });
  }
  return out;
}
