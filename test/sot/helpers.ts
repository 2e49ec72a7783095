// Builds SoT folders in temp dirs for tests.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSot } from '../../src/sot/load.js';
import type { Sot } from '../../src/model/index.js';

/** Corral's own Vaquero SoTs, one folder per released format (test/fixtures/vaquero/README.md). */
export const VAQUERO_FIXTURES = new URL('../fixtures/vaquero', import.meta.url).pathname;

/** The newest Vaquero format: what a Vaquero user has today. */
export const VAQUERO = `${VAQUERO_FIXTURES}/2018-08-advanced-sot`;

/** A small valid SoT: one site, one cluster with two hosts, one os/boot/workflow. */
export const BASE: Record<string, string> = {
  'sites/s1/env.yml': `id: s1
name: Site one
mode: auto
subnets:
  - id: net
    cidr: 10.1.0.0/24
    gateway: 10.1.0.1
    dns: [10.1.0.1]
agents:
  - name: a1
    asset_server: {addr: 10.1.0.2, port: 8080, scheme: http}
    dhcp_mode: server
`,
  'sites/s1/rack.yml': `id: rack
metadata: {row: 3}
---
name: h1
interfaces:
  - type: physical
    mac: 52:54:00:00:00:01
    subnet: net
    ipv4: 10.1.0.11
  - type: bmc
    ipv4: 10.1.0.111
    bmc: {type: ipmi, username: admin, password: {env: BMC_PASS}}
hardware: {cpu_cores: 8, memory: 32G, disks: [{size: 480G, type: ssd}], firmware: uefi}
workflow: wf
---
name: h2
interfaces:
  - mac: 52-54-00-00-00-02
    subnet: net
    ipv4: 10.1.0.12
workflow: wf
`,
  'os/os1.yml': `id: os1
name: Test OS
boot:
  kernel: "{{.env.agentURL}}/files/vmlinuz"
  initrd: ["{{.env.agentURL}}/files/initrd.img"]
cmdline:
  - console: ttyS0
  - cb: "{{ Checkpoint }}"
  - quiet: ''
`,
  'boot/b1.yml': `id: b1
operating_system: os1
unattended: {type: kickstart, use: ks.cfg}
`,
  'workflows/wf.yml': `id: wf
workflow:
  - boot: b1
`,
  'assets/kickstart/ks.cfg': `# {{ .host.name }}
network --ip={{ .interface.ipv4 }} --netmask={{ .interface.subnet.netmask }}
%post
curl {{ Checkpoint }}
%end
`,
};

export function writeSot(files: Record<string, string | null>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'corral-sot-'));
  for (const [rel, text] of Object.entries(files)) {
    if (text === null) continue;
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Loads `files` as a SoT folder (written to a temp dir, removed after); fails the test on errors. */
export async function loadFiles(files: Record<string, string | null>): Promise<Sot> {
  const { dir, cleanup } = writeSot(files);
  try {
    const res = await loadSot(dir);
    if (!res.ok) throw new Error(`test SoT did not load:\n${res.problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n')}`);
    return res.sot;
  } finally {
    cleanup();
  }
}
