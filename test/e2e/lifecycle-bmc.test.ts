// The whole loop with real parts: an auto site with two QEMU hosts behind ipmi_sim BMCs
// (chassis mode: IPMI power on starts the VM, bootdev decides PXE or disk). Corral, started with
// no API call, sets PXE-once and powers each host through ipmitool; both PXE-boot from Corral and
// reach `active`. Then a workflow change in the SoT file re-provisions one host, and a VM killed
// mid-install is retried and then `failed`. Last, the site turns on-demand and a role assigned
// through resmgr's API (with a token) provisions a third host: role_status converges to ok, an
// SSE client (curl) connected from the start saw every event in order, and a checkpoint forged
// from another address on the lab LAN during the install is refused. One booted lab for all.
// Needs root, QEMU, ipmitool and OpenIPMI.
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
/** Declared only in phase 4, when the site is on-demand: provisioned by a role assignment. */
const N3 = { name: 'n3', mac: '52:54:00:77:01:13', port: 9633 };

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

function writeSot(dir: string, n1Workflow: string, phase4 = false): void {
  const w = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const mode = phase4 ? 'on-demand' : 'auto';
  w('sites/lab/env.yml', `id: lab\nmode: ${mode}\nsubnets:\n  - {id: lab, cidr: 10.77.0.0/24, dns: [10.77.0.1]}\nagents:\n  - {name: corral, dhcp_mode: server, asset_server: {addr: 10.77.0.1, port: 8080}}\n`);
  w('roles/lab-role.yml', "name: lab-role\ndisplay_name: Lab role\ndescription: the lab payload as a role\nactive_version: '1.0'\nversions:\n  - {version: '1.0', workflow: callback}\n");
  if (phase4) {
    w('sites/lab/n3.yml', `name: ${N3.name}\ninterfaces:\n  - {type: physical, mac: "${N3.mac}", subnet: lab, ipv4: 10.77.0.23}\n  - type: bmc\n    bmc: {type: ipmi, address: 127.0.0.1, port: ${N3.port}, username: admin, password: {env: E2E_BMC_PASS}, cipher_suite: 3}\n`);
  }
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

test('auto site: BMC-driven provisioning to active, re-provision on SoT change, retry then failed; then a role assigned over resmgr, watched over SSE, a forged checkpoint refused', { skip, timeout: 40 * 60_000 }, async () => {
  const sot = mkdtempSync(join(tmpdir(), 'corral-lc-sot-'));
  const data = mkdtempSync(join(tmpdir(), 'corral-lc-data-'));
  let corral: ChildProcess | undefined;
  let sse: ChildProcess | undefined;
  let sseText = '';
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

    // An independent SSE client (curl) watches every event from the start.
    await waitFor('the API', async () => ((await api('/health'))?.ok ? true : undefined), 60_000);
    sse = spawn('ip', ['netns', 'exec', NS, 'curl', '-sN', '--max-time', '3000', '-H', 'Accept: text/event-stream', `${API}/v1/events`], { stdio: ['ignore', 'pipe', 'ignore'] });
    sse.stdout!.on('data', (d) => (sseText += d));
    await waitFor('the stream to open', async () => (sseText.startsWith('retry:') || sseText.includes('\n') ? true : undefined), 30_000);

    // 1. No API call: both hosts go from inactive to active through their BMCs.
    await waitFor('n1 and n2 active', async () => {
      const hosts = await api('/hosts');
      return hosts?.every((h: any) => h.lifecycle_state === 'active') ? hosts : undefined;
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
    await waitFor('n1 re-provisioning', async () => ((await api('/hosts/n1')).lifecycle_state === 'provisioning' ? true : undefined), 60_000);
    await waitFor('n1 active again', async () => ((await api('/hosts/n1')).lifecycle_state === 'active' ? true : undefined), 6 * 60_000);
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
      if (h.lifecycle_state === 'provisioning' && ['ipxe', 'kernel'].includes(h.stage)) sh(`kill $(cat ${LAB_STATE}/bmc-n2/vm.pid) 2>/dev/null || true`);
      return h.lifecycle_state === 'failed' ? h : undefined;
    }, 12 * 60_000);
    assert.match(failed.last_error, /no progress within \d+ s at stage (kernel|ipxe|dhcp).*gave up after 2 attempts/);
    const types = (await api('/hosts/n2/events')).map((e: any) => e.type);
    assert.ok(types.filter((t: string) => t === 'timeout').length >= 2, `two timeouts: ${types.join(', ')}`);

    // 4. The site turns on-demand and declares n3; resmgr's role assignment provisions it.
    const bmc3 = sh(`${HARNESS}/bmc-sim.sh start --netns --name ${N3.name} --port ${N3.port} --mac ${N3.mac} --default-boot disk`);
    assert.equal(bmc3.status, 0, bmc3.stdout + bmc3.stderr);
    writeSot(sot, 'callback', true);
    await waitFor('n3 in the inventory', async () => ((await api('/hosts/n3'))?.lifecycle_state === 'inactive' ? true : undefined), 60_000);
    const n3Before = await api('/hosts/n3');
    assert.deepEqual(n3Before.roles, []);
    const noToken = sh(`ip netns exec ${NS} curl -s -o /dev/null -w '%{http_code}' -X PUT ${API}/v1/hosts/n3/roles/lab-role`);
    assert.equal(noToken.stdout, '401', 'assigning a role needs a token');
    const put = sh(`ip netns exec ${NS} curl -s -w '\\n%{http_code}' -X PUT -H 'X-AUTH-TOKEN: ${token}' ${API}/v1/hosts/n3/roles/lab-role`);
    assert.match(put.stdout, /\n200$/, put.stdout);
    const converging = await waitFor('n3 converging', async () => {
      const h = await api('/hosts/n3');
      return h?.role_status === 'converging' ? h : undefined;
    }, 60_000);
    assert.equal(converging.state, 'activating');
    assert.deepEqual(converging.roles, ['lab-role']);
    // A machine elsewhere on the provisioning LAN forges n3's checkpoint during the install.
    assert.equal(sh(`${HARNESS}/netlab.sh add-host evil 10.77.0.66/24`).status, 0);
    const forge = (path: string) => sh(`ip netns exec ${NS}-evil curl -s -o /dev/null -w '%{http_code}' 'http://10.77.0.1:8080${path}'`, 20_000).stdout;
    assert.equal(forge(`/checkpoint/${N3.mac}/callback/1`), '403', 'the secret-less form is refused');
    assert.equal(forge(`/checkpoint/${'A'.repeat(43)}/${N3.mac}/callback`), '403', 'a guessed secret is refused');
    const during = await api('/hosts/n3');
    assert.notEqual(during.lifecycle_state, 'active', 'a forged checkpoint completes nothing');
    const ok = await waitFor('n3 active with its role', async () => {
      const h = await api('/hosts/n3');
      return h?.role_status === 'ok' && h.state === 'active' ? h : undefined;
    }, 8 * 60_000);
    assert.deepEqual(ok.roles, ['lab-role']);
    const refused = (await api('/services')).http.stats.refused;
    assert.ok(refused.missing_secret + refused.bad_secret >= 2, `refusals counted: ${JSON.stringify(refused)}`);
    const n3Events = await api('/hosts/n3/events');
    assert.equal(n3Events.filter((e: any) => e.type === 'checkpoint').length, 1, 'only the real checkpoint is journalled');

    // The SSE client saw every journalled event of every host, in order, with id = seq.
    await waitFor('the stream to catch up', async () => (sseText.includes(`id: ${n3Events[n3Events.length - 1].seq}\n`) ? true : undefined), 30_000);
    const streamed = sseText.split('\n\n').map((f) => ({ id: /^id: (\d+)$/m.exec(f)?.[1], type: /^event: (.+)$/m.exec(f)?.[1] })).filter((f) => f.id);
    const ids = streamed.map((f) => Number(f.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in seq order');
    for (const name of ['n1', 'n2', 'n3']) {
      const journal = await api(`/hosts/${name}/events`);
      const got = new Map(streamed.map((f) => [Number(f.id), f.type]));
      for (const e of journal) if (e.seq > ids[0]!) assert.equal(got.get(e.seq), e.type, `${name}: event ${e.seq} (${e.type}) on the stream`);
    }
    const n3Types = streamed.filter((f) => n3Events.some((e: any) => e.seq === Number(f.id))).map((f) => f.type);
    for (const tp of ['provision.requested', 'power.acked', 'dhcp.acked', 'ipxe.served', 'kernel.fetched', 'checkpoint']) assert.ok(n3Types.includes(tp), `n3: ${tp} streamed (${n3Types.join(', ')})`);
  } finally {
    sse?.kill('SIGKILL');
    sh(`${HARNESS}/bmc-sim.sh stop --name ${N3.name}`);
    corral?.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 1500));
    corral?.kill('SIGKILL');
    for (const h of HOSTS) sh(`${HARNESS}/bmc-sim.sh stop --name ${h.name}`);
    sh(`${HARNESS}/netlab.sh down`);
    rmSync(sot, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
