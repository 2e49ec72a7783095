// Table of broken SoTs: each must report its problem at the right file:line with a plain message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSot } from '../../src/sot/load.js';
import { BASE, loadFiles, writeSot } from './helpers.js';

interface Case {
  name: string;
  files: Record<string, string | null>;
  file: string;
  line: number;
  col?: number;
  message: RegExp;
  severity?: 'error' | 'warning';
}

const env = BASE['sites/s1/env.yml']!;
const rack = BASE['sites/s1/rack.yml']!;

const cases: Case[] = [
  {
    name: 'YAML syntax error',
    files: { 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: [b1\n' },
    file: 'workflows/wf.yml',
    line: 4,
    message: /YAML syntax/,
  },
  {
    // Vaquero's YAML reader kept the last of repeated keys, and so does Corral (the first
    // value here would be a dangling boot): a warning, not a syntax error.
    name: 'duplicate YAML key',
    files: { 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: nope\nworkflow:\n  - boot: b1\n' },
    file: 'workflows/wf.yml',
    line: 4,
    col: 1,
    message: /^key "workflow" is repeated in its mapping: the last value is used/,
    severity: 'warning',
  },
  {
    name: 'unknown field with suggestion',
    files: { 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\ndeps:\n  max_concurent: 2\n' },
    file: 'workflows/wf.yml',
    line: 5,
    col: 3,
    message: /unknown field "max_concurent" in deps \(did you mean "max_concurrent"\?\)/,
  },
  {
    name: 'missing required field',
    files: { 'boot/b1.yml': 'id: b1\nunattended: {type: kickstart, use: ks.cfg}\n' },
    file: 'boot/b1.yml',
    line: 1,
    message: /missing field "operating_system" in boot/,
  },
  {
    name: 'wrong type',
    files: { 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\ndeps:\n  max_concurrent: two\n' },
    file: 'workflows/wf.yml',
    line: 5,
    col: 19,
    message: /deps\.max_concurrent must be an integer, not a string/,
  },
  {
    name: 'bad MAC',
    files: { 'sites/s1/rack.yml': rack.replace('52:54:00:00:00:01', '52:54:00:00:00:0g') },
    file: 'sites/s1/rack.yml',
    line: 7,
    col: 10,
    message: /"52:54:00:00:00:0g" is not a MAC address/,
  },
  {
    name: 'duplicate MAC across hosts (different spelling)',
    files: { 'sites/s1/rack.yml': rack.replace('52-54-00-00-00-02', '52:54:00:00:00:01') },
    file: 'sites/s1/rack.yml',
    line: 18,
    message: /duplicate MAC 52:54:00:00:00:01 \(also on host "h1"\)/,
  },
  {
    name: 'duplicate IP',
    files: { 'sites/s1/rack.yml': rack.replace('ipv4: 10.1.0.12', 'ipv4: 10.1.0.11') },
    file: 'sites/s1/rack.yml',
    line: 20,
    message: /duplicate IP 10\.1\.0\.11 \(also on host "h1"\)/,
  },
  {
    name: 'duplicate BMC endpoint (same address, same port)',
    files: {
      'sites/s1/more.yml':
        'name: h3\ninterfaces:\n  - mac: 52:54:00:00:00:03\n  - type: bmc\n    ipv4: 10.1.0.111\n    bmc: {type: ipmi, port: 623}\n',
    },
    file: 'sites/s1/rack.yml',
    line: 12,
    message: /duplicate BMC endpoint 10\.1\.0\.111:623 \(also on host "h3"\)/,
  },
  {
    name: 'duplicate host name across files',
    files: { 'sites/s1/more.yml': 'name: h1\ninterfaces:\n  - mac: 52:54:00:00:00:09\n' },
    file: 'sites/s1/rack.yml',
    line: 4,
    message: /duplicate host name "h1" \(first defined in sites\/s1\/more\.yml:1\)/,
  },
  {
    name: 'dangling workflow',
    files: { 'sites/s1/rack.yml': rack.replace('workflow: wf\n---', 'workflow: nope\n---') },
    file: 'sites/s1/rack.yml',
    line: 14,
    message: /workflow "nope" is not defined in workflows\//,
  },
  {
    name: 'dangling boot in workflow',
    files: { 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\n  - boot: b9\n' },
    file: 'workflows/wf.yml',
    line: 4,
    message: /boot "b9" is not defined in boot\//,
  },
  {
    name: 'dangling os in boot',
    files: { 'boot/b1.yml': 'id: b1\noperating_system: os9\n' },
    file: 'boot/b1.yml',
    line: 2,
    message: /operating system "os9" is not defined in os\//,
  },
  {
    name: 'missing unattended asset',
    files: { 'assets/kickstart/ks.cfg': null },
    file: 'boot/b1.yml',
    line: 3,
    message: /unattended file "ks\.cfg" not found in assets\/kickstart\//,
  },
  {
    name: 'dangling subnet',
    files: { 'sites/s1/rack.yml': rack.replace('subnet: net\n    ipv4: 10.1.0.12', 'subnet: nett\n    ipv4: 10.1.0.12') },
    file: 'sites/s1/rack.yml',
    line: 19,
    message: /subnet "nett" is not defined in site "s1"/,
  },
  {
    name: 'IP outside subnet is a warning',
    files: { 'sites/s1/rack.yml': rack.replace('ipv4: 10.1.0.12', 'ipv4: 10.2.0.12') },
    file: 'sites/s1/rack.yml',
    line: 20,
    message: /IP 10\.2\.0\.12 is outside subnet "net" \(10\.1\.0\.0\/24\)/,
    severity: 'warning',
  },
  {
    name: 'bad cidr',
    files: { 'sites/s1/env.yml': env.replace('10.1.0.0/24', '10.1.0.0/33') },
    file: 'sites/s1/env.yml',
    line: 6,
    message: /cidr "10\.1\.0\.0\/33" is not an IPv4 network/,
  },
  {
    name: 'gateway outside subnet',
    files: { 'sites/s1/env.yml': env.replace('gateway: 10.1.0.1', 'gateway: 10.9.0.1') },
    file: 'sites/s1/env.yml',
    line: 7,
    message: /gateway 10\.9\.0\.1 is outside subnet/,
  },
  {
    name: 'bad enum',
    files: { 'sites/s1/env.yml': env.replace('mode: auto', 'mode: automatic') },
    file: 'sites/s1/env.yml',
    line: 3,
    message: /mode must be one of auto, on-demand, not "automatic"/,
  },
  {
    name: 'site folder without env',
    files: { 'sites/s2/hosts.yml': 'name: h9\ninterfaces:\n  - mac: 52:54:00:00:00:09\n' },
    file: 'sites/s2/hosts.yml',
    line: 1,
    message: /site folder "sites\/s2" has no env\.yml/,
  },
  {
    name: 'host document that is a list',
    files: { 'sites/s1/rack.yml': rack + '---\n- a\n- b\n' },
    file: 'sites/s1/rack.yml',
    line: 23,
    message: /host document must be a mapping/,
  },
  {
    name: 'template syntax error in asset names its line',
    files: { 'assets/kickstart/ks.cfg': 'line one\n{{ if .host.name }}\nno end\n' },
    file: 'assets/kickstart/ks.cfg',
    line: 4,
    message: /ks\.cfg:4: unexpected EOF/,
  },
  {
    name: 'template error in os field',
    files: { 'os/os1.yml': BASE['os/os1.yml']!.replace('{{.env.agentURL}}/files/vmlinuz', '{{.env.agentURL}/files/vmlinuz') },
    file: 'os/os1.yml',
    line: 4,
    message: /template/,
  },
  {
    name: 'role with unknown active version',
    files: { 'roles/r.yml': "name: r\nactive_version: '2.0'\nversions:\n  - version: '1.0'\n    workflow: wf\n" },
    file: 'roles/r.yml',
    line: 2,
    message: /active_version "2\.0" is not one of the role's versions/,
  },
  {
    name: 'pool with unknown workflow',
    files: { 'pools/p.yml': 'name: p\nworkflow: nope\nsize: 2\n' },
    file: 'pools/p.yml',
    line: 2,
    message: /workflow "nope" is not defined/,
  },
  {
    name: 'pool alias clash',
    files: { 'pools/p.yml': 'name: p\nworkflow: wf\nsize: 1\n---\nname: q\naliases: [p]\nworkflow: wf\nsize: 1\n' },
    file: 'pools/p.yml',
    line: 6,
    message: /pool name or alias "p" is already used by pool "p"/,
  },
  {
    name: 'bad size unit',
    files: { 'sites/s1/rack.yml': rack.replace('memory: 32G', 'memory: lots') },
    file: 'sites/s1/rack.yml',
    line: 13,
    message: /hardware\.memory must be a size/,
  },
  {
    name: 'ipmi BMC without address',
    files: { 'sites/s1/rack.yml': rack.replace('    ipv4: 10.1.0.111\n', '') },
    file: 'sites/s1/rack.yml',
    line: 11,
    message: /a ipmi BMC needs an address/,
  },
];

for (const c of cases) {
  test(`problem: ${c.name}`, async () => {
    const { dir, cleanup } = writeSot({ ...BASE, ...c.files });
    try {
      const res = await loadSot(dir);
      const hit = res.problems.find((p) => c.message.test(p.message));
      assert.ok(hit, `expected a problem matching ${c.message}; got:\n${res.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n')}`);
      assert.equal(hit.file, c.file);
      assert.equal(hit.line, c.line, `line of: ${hit.message}`);
      if (c.col !== undefined) assert.equal(hit.col, c.col, `col of: ${hit.message}`);
      assert.equal(hit.severity, c.severity ?? 'error');
      assert.equal(res.ok, (c.severity ?? 'error') !== 'error');
    } finally {
      cleanup();
    }
  });
}

test('a clean SoT has no problems at all', async () => {
  const { dir, cleanup } = writeSot(BASE);
  try {
    const res = await loadSot(dir);
    assert.deepEqual(res.problems, []);
    assert.equal(res.ok, true);
  } finally {
    cleanup();
  }
});

test('every problem is reported, not only the first', async () => {
  const { dir, cleanup } = writeSot({
    ...BASE,
    'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b9\nbogus: 1\n',
    'boot/b1.yml': 'id: b1\noperating_system: os9\n',
  });
  try {
    const res = await loadSot(dir);
    const msgs = res.problems.map((p) => p.message).join('\n');
    assert.match(msgs, /boot "b9"/);
    assert.match(msgs, /unknown field "bogus"/);
    assert.match(msgs, /operating system "os9"/);
  } finally {
    cleanup();
  }
});

test('a missing folder is a problem, not a crash', async () => {
  const res = await loadSot('/nonexistent/corral-sot');
  assert.equal(res.ok, false);
  assert.match(res.problems[0]!.message, /does not exist/);
});

test('several BMCs on one address with different ports are valid (VirtualBMC, sushy-tools, ipmi_sim labs)', async () => {
  const bmc = (name: string, n: number, port: number) => `---\nname: ${name}\ninterfaces:\n  - mac: 52:54:00:00:09:0${n}\n  - type: bmc\n    ipv4: 127.0.0.1\n    bmc: {type: ipmi, port: ${port}}\n`;
  const sot = await loadFiles({ ...BASE, 'sites/s1/lab.yml': bmc('v1', 1, 9671) + bmc('v2', 2, 9672) });
  assert.ok(sot.hosts.some((h) => h.id === 'v2'));
});
