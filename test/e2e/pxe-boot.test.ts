// Real PXE boots: QEMU VMs (SeaBIOS + iPXE ROM, OVMF native UEFI PXE) boot from Corral inside a
// network namespace, through the harness's selftest.sh, to the payload's HTTP checkpoint
// callback; in full DHCP mode and in proxyDHCP mode beside a site DHCP server. Then a VM with a
// MAC the SoT does not list must get no offer. Needs root (namespaces, ports 67/69), QEMU, OVMF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const HARNESS = join(ROOT, '../shared/harness');
const SERVER = join(ROOT, 'test/e2e/corral-server.sh');
const LAB_STATE = '/tmp/pxelab-pxelab';

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: network namespaces, taps and ports 67/69';
  if (!existsSync(join(HARNESS, 'selftest.sh'))) return `harness not found at ${HARNESS}`;
  for (const bin of ['qemu-system-x86_64', 'dnsmasq', 'curl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} not installed (apt-get install qemu-system-x86 ipxe-qemu ovmf dnsmasq curl)`;
  }
  if (!existsSync('/usr/share/OVMF/OVMF_CODE_4M.fd')) return 'OVMF not installed (apt-get install ovmf)';
  return undefined;
}

const skip = whyNot();
// QEMU through the TCG wrapper: nested KVM on these machines makes guests crawl.
const TCG_PATH = `${join(ROOT, 'test/e2e/tcg-bin')}:${process.env.PATH}`;
const env = { ...process.env, PATH: TCG_PATH, SERVER_START: `${SERVER} start`, SERVER_STOP: `${SERVER} stop`, BMCPORT: '9611' };

function events(scenario: string): { type: string; data?: Record<string, unknown> }[] {
  const f = join(LAB_STATE, 'corral', `vm1-${scenario}-events.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : [];
}

test('PXE boots from Corral: BIOS iPXE, UEFI native PXE, both again beside a site DHCP server (proxy)', { skip, timeout: 30 * 60_000 }, () => {
  const scenarios = ['bios-ipxe', 'uefi-native', 'bios-proxy', 'uefi-proxy'];
  const run = spawnSync(join(HARNESS, 'selftest.sh'), ['--only', scenarios.join(' '), '--timeout', '240'], { env, encoding: 'utf8', timeout: 28 * 60_000 });
  const out = `${run.stdout}\n${run.stderr}`;
  process.stdout.write(`# selftest output:\n${run.stdout.split('\n').map((l) => `# ${l}`).join('\n')}\n`);
  for (const sc of scenarios) {
    assert.match(out, new RegExp(`^${sc}\\s+PASS\\s+\\d+`, 'm'), `${sc} did not reach the callback:\n${out}`);
    const types = events(sc).map((e) => e.type);
    // Each step of the boot is in the host's history, in order.
    for (const t of ['dhcp.acked', 'ipxe.served', 'kernel.fetched', 'checkpoint']) {
      if (sc.endsWith('proxy') && t === 'dhcp.acked') continue; // the site server hands out the address
      assert.ok(types.includes(t), `${sc}: no ${t} event in ${types.join(', ')}`);
    }
    assert.ok(types.indexOf('ipxe.served') < types.indexOf('kernel.fetched'), `${sc}: script before kernel`);
    assert.ok(types.indexOf('kernel.fetched') < types.lastIndexOf('checkpoint'), `${sc}: kernel before checkpoint`);
    if (sc.startsWith('uefi')) assert.ok(types.includes('tftp.sent'), `${sc}: snponly.efi went over TFTP: ${types.join(', ')}`);
    const host = JSON.parse(readFileSync(join(LAB_STATE, 'corral', `vm1-${sc}.json`), 'utf8'));
    assert.equal(host.lifecycle_state, 'active', `${sc}: vm1 state`);
  }
});

test('a VM whose MAC is not in the SoT gets no offer (discovery off)', { skip, timeout: 10 * 60_000 }, () => {
  const sh = (cmd: string, t = 120_000) => spawnSync('bash', ['-c', cmd], { env: { ...env, SCENARIO: 'unknown', SCENARIO_MODE: 'full' }, encoding: 'utf8', timeout: t });
  try {
    assert.equal(sh(`${HARNESS}/netlab.sh up`).status, 0);
    const up = sh(`${SERVER} start`);
    assert.equal(up.status, 0, up.stdout + up.stderr);
    const vm = sh(`${HARNESS}/pxe-vm.sh --mac 52:54:00:77:00:99 --timeout 40`, 120_000);
    assert.notEqual(vm.status, 0, 'an unknown MAC must not boot');
    assert.doesNotMatch(vm.stdout, /\+\d+ ms +(nbp|ipxe-configured|script)/, `unexpected boot progress:\n${vm.stdout}`);
    const stats = sh(`ip netns exec pxelab curl -s http://127.0.0.1:18080/v1/services`);
    const dhcp = JSON.parse(stats.stdout).dhcp;
    assert.equal(dhcp.state, 'running');
    assert.equal(dhcp.stats.offers, 0, JSON.stringify(dhcp.stats));
    assert.ok(JSON.stringify(dhcp.stats).includes('unknown'), `unknown MAC drops are counted: ${JSON.stringify(dhcp.stats)}`);
  } finally {
    sh(`${SERVER} stop; ${HARNESS}/netlab.sh down`);
  }
});
