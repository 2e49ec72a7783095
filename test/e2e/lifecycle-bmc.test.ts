// The whole loop with real parts: an auto site with two QEMU hosts behind ipmi_sim BMCs
// (chassis mode: IPMI power on starts the VM, bootdev decides PXE or disk). Corral, started with
// no API call, sets PXE-once and powers each host through ipmitool; both PXE-boot from Corral and
// reach `active`. Then a workflow change in the SoT file re-provisions one host, and a VM killed
// mid-install is retried and then `failed`. Needs root, QEMU, ipmitool and OpenIPMI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const HARNESS = join(ROOT, '../shared/harness');
const NS = 'corral-lc';
const LAB_STATE = `/tmp/pxelab-${NS}`;
const API = 'http://127.0.0.1:18081';
const HOSTS = [
  { name: 'n1', mac: '52:54:00:77:01:11', port: 9631 },
  { name: 'n2', mac: '52:54:00:77:01:12', port: 9632 },
];

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: network namespaces, taps, port 67/69 and ipmi_sim';
  if (!existsSync(join(HARNESS, 'bmc-sim.sh'))) return `harness not found at ${HARNESS}`;
  for (const bin of ['qemu-system-x86_64', 'ipmitool', 'ipmi_sim', 'curl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} not installed (apt-get install qemu-system-x86 ipxe-qemu ipmitool openipmi curl)`;
  }
  return undefined;
}
const skip = whyNot();
// QEMU through the TCG wrapper: nested KVM on these machines makes guests crawl.
const env = { ...process.env, LAB_NS: NS, LAB_STATE, PATH: `${join(ROOT, 'test/e2e/tcg-bin')}:${process.env.PATH}` };

function sh(cmd: string, timeout = 120_000) {
  return spawnSync('bash', ['-c', cmd], { env, encoding: 'utf8', timeout });
}

async function api(path: string): Promise<any> {
  const r = sh(`ip netns exec ${NS} curl -s ${API}/v1${path}`, 15_000);
  return JSON.parse(r.stdout || 'null');
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

function writeSot(dir: string, n1Workflow: string): void {
  const w = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  w('sites/lab/env.yml', 'id: lab\nmode: auto\nsubnets:\n  - {id: lab, cidr: 10.77.0.0/24, dns: [10.77.0.1]}\nagents:\n  - {name: corral, dhcp_mode: server, asset_server: {addr: 10.77.0.1, port: 8080}}\n');
  w(
    'sites/lab/nodes.yml',
    HOSTS.map(
      (h, i) =>
        `---\nname: ${h.name}\ninterfaces:\n  - {type: physical, mac: "${h.mac}", subnet: lab, ipv4: 10.77.0.${21 + i}}\n  - type: bmc\n    bmc: {type: ipmi, address: 127.0.0.1, port: ${h.port}, username: admin, password: {env: E2E_BMC_PASS}, cipher_suite: 3}\nworkflow: ${i === 0 ? n1Workflow : 'callback'}\n`,
    ).join(''),
  );
  w('os/payload.yml', readFileSync(join(ROOT, 'test/e2e/sot/payload.yml'), 'utf8'));
  w('boot/callback.yml', 'id: callback\noperating_system: payload\n');
  w('workflows/callback.yml', 'id: callback\nworkflow:\n  - boot: callback\n');
  w('workflows/callback-v2.yml', 'id: callback-v2\nworkflow:\n  - boot: callback\n');
}

test('auto site: BMC-driven provisioning to active, re-provision on SoT change, retry then failed', { skip, timeout: 40 * 60_000 }, async () => {
  const sot = mkdtempSync(join(tmpdir(), 'corral-lc-sot-'));
  const data = mkdtempSync(join(tmpdir(), 'corral-lc-data-'));
  let corral: ChildProcess | undefined;
  try {
    assert.equal(sh(`${HARNESS}/netlab.sh up`).status, 0);
    if (!existsSync('/var/tmp/pxelab-cache/payload/vmlinuz')) assert.equal(sh(`${HARNESS}/build-payload.sh`, 600_000).status, 0);
    for (const h of HOSTS) {
      const r = sh(`${HARNESS}/bmc-sim.sh start --netns --name ${h.name} --port ${h.port} --mac ${h.mac} --default-boot disk`);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    }
    writeSot(sot, 'callback');
    corral = spawn(
      'ip',
      ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(ROOT, 'src/bin.ts'), 'serve', '--sot', sot, '--data', data, '--listen', '127.0.0.1:18081',
        '--address', '10.77.0.1', '--http-port', '8080', '--assets', '/var/tmp/pxelab-cache/payload', '--log-format', 'json',
        // One VM boots at a time (TCG on 2 cores); short limits so the failure path fits the test.
        '--storm-limit', '1', '--stage-timeout', 'kernel=40', '--stage-timeout', 'ipxe=60', '--max-attempts', '2'],
      { cwd: ROOT, env: { ...env, E2E_BMC_PASS: 'password' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    corral.stderr!.on('data', (d) => (log += d));

    // 1. No API call: both hosts go from inactive to active through their BMCs.
    await waitFor('n1 and n2 active', async () => {
      const hosts = await api('/hosts');
      return hosts?.every((h: any) => h.state === 'active') ? hosts : undefined;
    }, 12 * 60_000);
    for (const h of HOSTS) {
      const types = (await api(`/hosts/${h.name}/events`)).map((e: any) => e.type);
      for (const t of ['provision.requested', 'power.acked', 'dhcp.acked', 'ipxe.served', 'kernel.fetched', 'checkpoint']) {
        assert.ok(types.includes(t), `${h.name}: ${t} missing from ${types.join(', ')}`);
      }
      const chassis = readFileSync(join(LAB_STATE, `bmc-${h.name}`, 'chassis.log'), 'utf8');
      assert.match(chassis, /set boot pxe|bootdev pxe|boot pxe/i, `${h.name}: PXE boot device set through IPMI`);
      assert.match(chassis, /power on: pxe-vm\.sh pid \d+ bootdev pxe/, `${h.name}: powered on to PXE`);
    }
    assert.doesNotMatch(log, /password"?\s*[:=]\s*"?password/i, 'the BMC password is never logged');

    // 2. Change n1's workflow in the SoT: n1 (only) is re-provisioned.
    const n2Before = (await api('/hosts/n2/events')).length;
    writeSot(sot, 'callback-v2');
    await waitFor('n1 re-provisioning', async () => ((await api('/hosts/n1')).state === 'provisioning' ? true : undefined), 60_000);
    await waitFor('n1 active again', async () => ((await api('/hosts/n1')).state === 'active' ? true : undefined), 6 * 60_000);
    const reasons = (await api('/hosts/n1/events')).filter((e: any) => e.type === 'provision.requested').map((e: any) => e.data?.reason);
    assert.deepEqual(reasons, ['new in the SoT', 'what it should run changed in the SoT']);
    assert.equal((await api('/hosts/n2/events')).filter((e: any) => e.type === 'provision.requested').length, 1, `n2 untouched (${n2Before} events before)`);

    // 3. Kill n2's VM whenever it is booting: Corral retries once with a power cycle, then fails it.
    // As the local CLI does: the admin token from the data folder's 0600 file.
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    const r = sh(`ip netns exec ${NS} curl -s -X POST -H 'X-AUTH-TOKEN: ${token}' ${API}/v1/hosts/n2/provision`);
    assert.match(r.stdout, /"id":"n2"/);
    const failed = await waitFor('n2 failed', async () => {
      const h = await api('/hosts/n2');
      if (h.state === 'provisioning' && ['ipxe', 'kernel'].includes(h.stage)) sh(`kill $(cat ${LAB_STATE}/bmc-n2/vm.pid) 2>/dev/null || true`);
      return h.state === 'failed' ? h : undefined;
    }, 12 * 60_000);
    assert.match(failed.last_error, /no progress within \d+ s at stage (kernel|ipxe|dhcp).*gave up after 2 attempts/);
    const types = (await api('/hosts/n2/events')).map((e: any) => e.type);
    assert.ok(types.filter((t: string) => t === 'timeout').length >= 2, `two timeouts: ${types.join(', ')}`);
  } finally {
    corral?.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 1500));
    corral?.kill('SIGKILL');
    for (const h of HOSTS) sh(`${HARNESS}/bmc-sim.sh stop --name ${h.name}`);
    sh(`${HARNESS}/netlab.sh down`);
    rmSync(sot, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
