// Generates a SoT of N hosts (500 per cluster, 5,000 per site) for benchmarks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PER_CLUSTER = 500;

const bmcIface = (mac: string, s: number, i: number) =>
  `\n  - type: bmc\n    mac: ${mac}\n    subnet: oob\n    ipv4: 172.16.${s * 32 + (i >> 8)}.${i & 255}\n    bmc: {type: ipmi, address: 127.${s + 1}.${i >> 8}.${i & 255}, port: 9, username: admin, password: {env: BMC_PASS}}`;

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

export interface GenOptions {
  mode?: 'auto' | 'on-demand';
  /** Give hosts IPMI BMCs (each its own loopback address, 127.S.x.y, port 9: a benchmark must never reach real addresses). */
  bmc?: boolean;
}

export function generateSot(root: string, hosts: number, opts: GenOptions = {}): void {
  const mode = opts.mode ?? 'auto';
  const withBmc = opts.bmc ?? true;
  const sites = Math.max(1, Math.ceil(hosts / 5000));
  for (let s = 0; s < sites; s++) {
    write(root, `sites/site${s}/env.yml`, `id: site${s}\nname: Site ${s}\nmode: ${mode}\nsubnets:\n  - id: prov\n    cidr: 10.${s}.0.0/16\n    gateway: 10.${s}.0.1\n    dns: [10.${s}.0.2]\n  - id: oob\n    cidr: 172.16.${s * 32}.0/19\nagents:\n  - name: a\n    asset_server: {addr: 10.${s}.0.2, port: 8080, scheme: http}\n    dhcp_mode: server\n`);
  }
  let n = 0;
  const files = new Map<string, string>();
  while (n < hosts) {
    const s = Math.floor(n / 5000);
    const c = Math.floor((n % 5000) / PER_CLUSTER);
    const rel = `sites/site${s}/cluster${c}.yml`;
    const i = n % 5000;
    const mac = (k: number) => `52:54:${s.toString(16).padStart(2, '0')}:${k.toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    const doc = `---\nname: s${s}-h${i}\ninterfaces:\n  - type: physical\n    mac: ${mac(0)}\n    subnet: prov\n    identifier: eth0\n    ipv4: 10.${s}.${1 + (i >> 8)}.${i & 255}${withBmc ? bmcIface(mac(1), s, i) : ''}\nhardware:\n  cpu_cores: 32\n  memory: 256G\n  disks: [{size: 960G, type: nvme}, {size: 8T, type: hdd}]\n  firmware: uefi\nlabels: {rack: r${c}, zone: z${s}}\nmetadata:\n  etcd_name: n${i}\nworkflow: wf\n`;
    files.set(rel, (files.get(rel) ?? `id: cluster${c}\nmetadata: {owner: bench}\n`) + doc);
    n++;
  }
  for (const [rel, text] of files) write(root, rel, text);
  write(root, 'os/os.yml', 'id: os\nboot:\n  kernel: "{{.env.agentURL}}/files/vmlinuz"\n  initrd: ["{{.env.agentURL}}/files/initrd.img"]\ncmdline:\n  - console: ttyS0\n  - cb: "{{ Checkpoint }}"\n');
  write(root, 'boot/b.yml', 'id: b\noperating_system: os\nunattended: {type: kickstart, use: ks.cfg}\n');
  write(root, 'workflows/wf.yml', 'id: wf\nworkflow:\n  - boot: b\n');
  write(root, 'assets/kickstart/ks.cfg', 'network --ip={{ .interface.ipv4 }} --netmask={{ .interface.subnet.netmask }}\n%post\ncurl {{ Checkpoint }}\n%end\n');
}

