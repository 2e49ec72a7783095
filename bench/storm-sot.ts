// The SoT of the boot-storm benchmark (bench/storm.ts): N hosts in ONE `mode: auto` site whose
// provisioning subnet is 127.1.0.0/16 in DHCP server mode, so every simulated machine gets a
// loopback address it can really bind (Linux routes all of 127/8 to lo) and boot HTTP can tell
// the machines apart by source address. Every host has an IPMI BMC at 127.0.0.1 on its own port:
// the benchmark injects a fake IPMI driver, so nothing is ever sent to those ports.
//
//   host i: name storm-NNNNN, MAC 52:54:01:00:hi:lo, ipv4 127.1.(2 + i / 250).(1 + i % 250)
//           BMC MAC 52:54:01:01:hi:lo, 127.0.0.1 port 20000 + i
//   127.1.0.1 is the relay agent (giaddr) and gateway; hosts never get it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const STORM_SITE = 'storm';
export const RELAY_IP = '127.1.0.1';
export const STORM_SUBNET = '127.1.0.0/16';
const PER_CLUSTER = 250;
const BMC_BASE_PORT = 20_000;

export interface StormHost {
  index: number;
  id: string;
  mac: string;
  ip: string;
  bmcPort: number;
  /** BIOS PXE ROM (DHCP -> TFTP undionly.kpxe -> DHCP as iPXE) instead of a NIC with an iPXE ROM. */
  pxeRom: boolean;
}

const hex2 = (n: number) => (n & 255).toString(16).padStart(2, '0');

export function stormHost(i: number, tftpShare: number): StormHost {
  if (i < 0 || i >= 250 * 250) throw new Error(`host index ${i} out of range (at most 62,500 hosts)`);
  // Every (1/tftpShare)-th host is a PXE-ROM machine (deterministic, spread over the whole set).
  const every = tftpShare > 0 ? Math.max(1, Math.round(1 / tftpShare)) : 0;
  return {
    index: i,
    id: `storm-${String(i).padStart(5, '0')}`,
    mac: `52:54:01:00:${hex2(i >> 8)}:${hex2(i)}`,
    ip: `127.1.${2 + Math.floor(i / 250)}.${1 + (i % 250)}`,
    bmcPort: BMC_BASE_PORT + i,
    pxeRom: every > 0 && i % every === 0,
  };
}

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

export interface StormSotOptions {
  hosts: number;
  /** Share of hosts that boot through a BIOS PXE ROM + TFTP first (0..1). */
  tftpShare: number;
  /** Corral's boot address and HTTP port (the site's asset_server; Corral serves its own bootUrl anyway). */
  address: string;
  httpPort: number;
}

/** Writes the SoT under root and returns the hosts it contains. */
export function generateStormSot(root: string, o: StormSotOptions): StormHost[] {
  write(
    root,
    `sites/${STORM_SITE}/env.yml`,
    [
      `id: ${STORM_SITE}`,
      'name: Boot storm',
      'mode: auto',
      'subnets:',
      '  - id: prov',
      `    cidr: ${STORM_SUBNET}`,
      `    gateway: ${RELAY_IP}`,
      `    dns: [${o.address}]`,
      '    lease_time: 2h',
      'agents:',
      '  - name: corral',
      `    asset_server: {addr: ${o.address}, port: ${o.httpPort}, scheme: http}`,
      '    dhcp_mode: server',
      'discovery:',
      '  enabled: false',
      '',
    ].join('\n'),
  );
  const hosts: StormHost[] = [];
  const files = new Map<string, string>();
  for (let i = 0; i < o.hosts; i++) {
    const h = stormHost(i, o.tftpShare);
    hosts.push(h);
    const c = Math.floor(i / PER_CLUSTER);
    const rel = `sites/${STORM_SITE}/cluster${c}.yml`;
    const doc = [
      '---',
      `name: ${h.id}`,
      'workflow: wf',
      'hardware:',
      '  cpu_cores: 16',
      '  memory: 64G',
      '  disks: [{size: 960G, type: nvme}]',
      `  firmware: ${h.pxeRom ? 'bios' : 'uefi'}`,
      'interfaces:',
      '  - type: physical',
      `    mac: ${h.mac}`,
      '    subnet: prov',
      '    identifier: eth0',
      `    ipv4: ${h.ip}`,
      '  - type: bmc',
      `    mac: 52:54:01:01:${hex2(i >> 8)}:${hex2(i)}`,
      '    identifier: bmc0',
      `    bmc: {type: ipmi, address: 127.0.0.1, port: ${h.bmcPort}, username: admin, password: storm-bench}`,
      '',
    ].join('\n');
    files.set(rel, (files.get(rel) ?? `id: cluster${c}\nmetadata: {owner: storm-bench}\n`) + doc);
  }
  for (const [rel, text] of files) write(root, rel, text);
  write(
    root,
    'os/os.yml',
    [
      'id: os',
      'name: Storm OS',
      'boot:',
      '  kernel: "{{.env.agentURL}}/files/vmlinuz"',
      '  initrd: ["{{.env.agentURL}}/files/initrd.img"]',
      'cmdline:',
      '  - console: ttyS0',
      '  - cb: "{{ Checkpoint }}"',
      '',
    ].join('\n'),
  );
  // No unattended file: the "installer" calls the checkpoint itself (like the lab's callback payload).
  write(root, 'boot/b.yml', 'id: b\nname: Storm boot\noperating_system: os\n');
  write(root, 'workflows/wf.yml', 'id: wf\nworkflow:\n  - boot: b\n');
  return hosts;
}
