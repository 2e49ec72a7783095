// The lab's SoT: the given SoT folder (if any) copied, plus a site "corral-lab" whose hosts are
// the lab's machines, with the installer payload as its OS and an installer workflow. Corral
// watches this copy, so tests and users may edit it while the lab runs.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_SITE, LAB_WORKFLOW, type LabMachineSpec, type LabSpec } from './spec.js';

export const LAB_BMC_PASSWORD_FILE = `${LAB_SITE}-bmc.pass`;

export function writeLabSot(spec: LabSpec, sotDir: string, bmcPassword: string): void {
  rmSync(sotDir, { recursive: true, force: true });
  if (spec.sot) cpSync(spec.sot, sotDir, { recursive: true, dereference: true });
  mkdirSync(sotDir, { recursive: true });
  const w = (rel: string, text: string, mode?: number) => {
    mkdirSync(join(sotDir, rel, '..'), { recursive: true });
    writeFileSync(join(sotDir, rel), text, mode === undefined ? undefined : { mode });
  };
  w(LAB_BMC_PASSWORD_FILE, `${bmcPassword}\n`, 0o600);
  w(`sites/${LAB_SITE}/env.yml`, siteYaml(spec));
  w(`sites/${LAB_SITE}/machines.yml`, machinesYaml(spec.machines.filter((m) => m.listed)));
  w(`os/${LAB_SITE}-installer.yml`, OS_YAML);
  w(`boot/${LAB_SITE}-install.yml`, BOOT_YAML);
  w(`workflows/${LAB_WORKFLOW}.yml`, `# Written by corral lab: one boot of the lab installer.\nid: ${LAB_WORKFLOW}\nworkflow:\n  - boot: ${LAB_SITE}-install\n`);
  w(`assets/untyped/${LAB_SITE}-install.sh`, INSTALL_SH);
  // Pools wipe what comes back with the workflow "wipe" (docs/sot.md, pools): the lab brings one
  // unless the given SoT has its own.
  if (!definesWorkflow(sotDir, 'wipe')) {
    w(`boot/${LAB_SITE}-wipe.yml`, WIPE_BOOT_YAML);
    w('workflows/wipe.yml', `# Written by corral lab: run on a pool host that comes back (returned or expired) before it is installed again.\nid: wipe\nworkflow:\n  - boot: ${LAB_SITE}-wipe\n`);
    w(`assets/untyped/${LAB_SITE}-wipe.sh`, WIPE_SH);
  }
}

/** Whether a workflow file of the SoT folder declares this id (top-level `id:`). */
function definesWorkflow(sotDir: string, id: string): boolean {
  const dir = join(sotDir, 'workflows');
  if (!existsSync(dir)) return false;
  const re = new RegExp(`^id:\\s*["']?${id}["']?\\s*(#.*)?$`, 'm');
  return readdirSync(dir).some((f) => /\.ya?ml$/.test(f) && re.test(readFileSync(join(dir, f), 'utf8')));
}

function siteYaml(spec: LabSpec): string {
  const prefix = spec.serverIp.split('.').slice(0, 3).join('.');
  return `# Written by corral lab: the virtual lab's network (bridge ${spec.bridge} in namespace ${spec.name}).
id: ${LAB_SITE}
name: Corral virtual lab
mode: ${spec.mode}
subnets:
  - id: ${LAB_SITE}
    cidr: ${prefix}.0/24
    dns: [${spec.serverIp}]
    lease_time: 1h
agents:
  - name: ${LAB_SITE}
    asset_server: {addr: ${spec.serverIp}, port: 8080, scheme: http}
    dhcp_mode: ${spec.dhcpMode}
    interface: ${spec.bridge}
    # iPXE waits for IPv6 router discovery on an IPv4-only segment; a zero-lifetime RA ends it.
    ipv6_ra: true
metadata:
  lab: ${spec.name}
`;
}

function machinesYaml(machines: LabMachineSpec[]): string {
  const out = [`# Written by corral lab: its QEMU machines, each behind a virtual BMC on the lab's 127.0.0.1.\n---\nid: machines\nname: Lab machines\n`];
  for (const m of machines) {
    const bmc =
      m.bmc === 'ipmi'
        ? `    bmc: {type: ipmi, address: 127.0.0.1, port: ${m.bmcPort}, username: admin, password: {file: ${LAB_BMC_PASSWORD_FILE}}, cipher_suite: 3}`
        : `    bmc: {type: redfish, address: 127.0.0.1, port: ${m.bmcPort}, username: admin, password: {file: ${LAB_BMC_PASSWORD_FILE}}, insecure: true}`;
    out.push(`---
name: ${m.name}
workflow: ${LAB_WORKFLOW}
labels: {rack: ${LAB_SITE}, bmc: ${m.bmc}}
hardware:
  cpu_cores: 1
  memory: ${m.memoryMiB}M
  firmware: ${m.firmware}
  disks:
    - {name: vda, size: 64M, type: ssd}
interfaces:
  - {type: physical, mac: "${m.mac}", subnet: ${LAB_SITE}, ipv4: ${m.ip}, identifier: ens3}
  - type: bmc
    identifier: bmc0
${bmc}
`);
  }
  return out.join('');
}

const OS_YAML = `# Written by corral lab: the lab installer payload (Debian kernel + busybox initramfs, built by
# corral lab up from Debian packages), served from the lab's files folder.
id: ${LAB_SITE}-installer
name: Corral lab installer
os_family: Debian
major_version: '12'
boot:
  kernel: "{{.env.agentURL}}/files/${LAB_SITE}/vmlinuz"
  initrd: ["{{.env.agentURL}}/files/${LAB_SITE}/initrd.img"]
cmdline:
  - console: ttyS0,115200
  - quiet: ''
  - panic: '5'
  # The unattended file: the installer fetches and runs it.
  - corral.config: "{{ .boot.configURL }}"
  # iPXE expands this to the MAC it booted from, so the installer uses that NIC.
  - corral.mac: "\${netX/mac}"
`;

const BOOT_YAML = `# Written by corral lab: the installer's unattended file calls two checkpoints (fetched, installed).
id: ${LAB_SITE}-install
name: Corral lab install
operating_system: ${LAB_SITE}-installer
unattended: {type: untyped, use: ${LAB_SITE}-install.sh}
checkpoints: 2
`;

/** What the lab installer runs (the SoT's unattended file; the stand-in writes it with values filled in). */
export function labInstallScript(v: { host: string; os: string; boot: string; checkpoint: (n: number) => string }): string {
  return `#!/bin/sh
# Corral lab installer for ${v.host} (${v.os}), run by the lab payload's init with MAC, IP, DISK
# and BOOTSECTOR set. It "installs": a boot sector and an install record on the disk.
echo "CORRAL-LAB: installing ${v.host} on \${DISK:-no disk}"
timeout 20 wget -q -O /dev/null "${v.checkpoint(1)}" || echo "CORRAL-LAB: checkpoint 1 refused"
[ -n "\${DISK:-}" ] || { echo "CORRAL-LAB: no disk to install on"; exit 1; }
dd if="$BOOTSECTOR" of="$DISK" bs=512 count=1 conv=notrunc 2>/dev/null
printf 'CORRAL-LAB-INSTALLED host=${v.host} boot=${v.boot} mac=%s ip=%s\\n' "$MAC" "$IP" | dd of="$DISK" bs=512 seek=1 conv=notrunc 2>/dev/null
sync
echo "CORRAL-LAB: disk written"
if timeout 20 wget -q -O /dev/null "${v.checkpoint(2)}"; then echo "CORRAL-LAB-INSTALL-OK host=${v.host}"; else echo "CORRAL-LAB: checkpoint 2 refused"; fi
`;
}

const WIPE_BOOT_YAML = `# Written by corral lab: the same payload with a script that wipes what the installer wrote.
id: ${LAB_SITE}-wipe
name: Corral lab wipe
operating_system: ${LAB_SITE}-installer
unattended: {type: untyped, use: ${LAB_SITE}-wipe.sh}
checkpoints: 1
`;

/** Zeroes the boot sector and install record the installer wrote, then calls the one checkpoint. */
const WIPE_SH = `#!/bin/sh
# Wipes {{ .host.name }}: run by the lab payload's init with DISK set.
echo "CORRAL-LAB: wiping {{ .host.name }} on \${DISK:-no disk}"
[ -n "\${DISK:-}" ] || { echo "CORRAL-LAB: no disk to wipe"; exit 1; }
dd if=/dev/zero of="$DISK" bs=512 count=2 conv=notrunc 2>/dev/null
sync
if timeout 20 wget -q -O /dev/null "{{ Checkpoint 1 }}"; then echo "CORRAL-LAB-WIPE-OK host={{ .host.name }}"; else echo "CORRAL-LAB: wipe checkpoint refused"; fi
`;

const INSTALL_SH = labInstallScript({ host: '{{ .host.name }}', os: '{{ .os.name }}', boot: '{{ .boot.id }}', checkpoint: (n) => `{{ Checkpoint ${n} }}` });
