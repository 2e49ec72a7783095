// The whole loop with real parts, on Corral's own lab (`corral lab up`): an auto site with two
// QEMU hosts behind ipmi_sim BMCs (IPMI power starts and stops the VM, bootdev decides PXE or
// disk). Corral, started with no API call, sets PXE-once and powers each host through ipmitool;
// both PXE-boot from Corral and reach `active`. Then a workflow change in the SoT file
// re-provisions one host, and a VM powered off mid-install is retried and then `failed`. Last,
// the site turns on-demand and a role assigned through resmgr's API (with a token) provisions a
// third host: role_status converges to ok, an SSE client (curl) connected from the start saw
// every event in order, and a checkpoint forged from another machine on the lab LAN during the
// install is refused. Last, Vaquero's cluster request for two hosts installs the two that
// nothing holds, and a request that cannot be met is refused holding nothing. One booted lab for all. Needs root, QEMU, ipmitool and OpenIPMI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, control, labDown, labUp, labWhyNot, sh, token, waitFor, type Lab } from './lab-helpers.js';

const LAB: Lab = { name: 'corral-lc', dir: '/tmp/corral-lc-lab', api: 'http://127.0.0.1:18081' };
const SOT = join(LAB.dir, 'sot');
const HOSTS = ['lab-n1', 'lab-n2'];
/** The lab's third machine: not in the SoT until phase 4, when the site is on-demand. */
const N3 = { name: 'lab-n3', mac: '52:54:00:c0:00:03', ip: '10.77.0.103', port: 9703 };
const EVIL = `${LAB.name}-evil`;
const skip = labWhyNot();

const edit = (rel: string, fn: (s: string) => string) => writeFileSync(join(SOT, rel), fn(readFileSync(join(SOT, rel), 'utf8')));
const write = (rel: string, text: string) => {
  mkdirSync(join(SOT, rel, '..'), { recursive: true });
  writeFileSync(join(SOT, rel), text);
};

test('auto site: BMC-driven provisioning to active, re-provision on SoT change, retry then failed; then a role assigned over resmgr, watched over SSE, a forged checkpoint refused', { skip, timeout: 40 * 60_000 }, async () => {
  let sse: ChildProcess | undefined;
  let sseText = '';
  try {
    labDown(LAB);
    sh(`ip netns del ${EVIL} 2>/dev/null`);
    // One VM boots at a time (TCG on 2 cores); short limits so the failure path fits the test.
    labUp(LAB, ['--hosts', '2', '--uefi', '0', '--bmc', 'ipmi', '--unlisted', '1', '--timeout', '300',
      '--', '--storm-limit', '1', '--stage-timeout', 'kernel=40', '--stage-timeout', 'ipxe=60', '--max-attempts', '2']);
    write('roles/lab-role.yml', "name: lab-role\ndisplay_name: Lab role\ndescription: the lab installer as a role\nactive_version: '1.0'\nversions:\n  - {version: '1.0', workflow: corral-lab-install}\n");

    // An independent SSE client (curl) watches every event from the start.
    sse = spawn('curl', ['-sN', '--max-time', '3000', '-H', 'Accept: text/event-stream', `${LAB.api}/v1/events`], { stdio: ['ignore', 'pipe', 'ignore'] });
    sse.stdout!.on('data', (d) => (sseText += d));
    await waitFor('the stream to open', () => (sseText.startsWith('retry:') || sseText.includes('\n') ? true : undefined), 30_000, 200);

    // 1. No API call: both hosts go from inactive to active through their BMCs.
    await waitFor('n1 and n2 active', async () => {
      const hosts = (await api(LAB, '/hosts?site=corral-lab')) as any[];
      return HOSTS.every((n) => hosts.find((h) => h.id === n)?.lifecycle_state === 'active') ? hosts : undefined;
    }, 12 * 60_000, 2000);
    const labLog = readFileSync(join(LAB.dir, 'lab.log'), 'utf8');
    for (const h of HOSTS) {
      const types = ((await api(LAB, `/hosts/${h}/events`)) as any[]).map((e) => e.type);
      for (const t of ['provision.requested', 'power.acked', 'dhcp.acked', 'ipxe.served', 'kernel.fetched', 'checkpoint']) {
        assert.ok(types.includes(t), `${h}: ${t} missing from ${types.join(', ')}`);
      }
      assert.match(labLog, new RegExp(`ipmi chassis \\{"machine":"${h}","op":"set","args":\\[[^\\]]*"boot"[^\\]]*"pxe"`), `${h}: PXE boot device set through IPMI`);
      assert.match(labLog, new RegExp(`lab machine powered on \\{"machine":"${h}","boot":"pxe"`), `${h}: powered on to PXE`);
    }
    const password = readFileSync(join(LAB.dir, 'bmc.pass'), 'utf8').trim();
    assert.ok(!readFileSync(join(LAB.dir, 'corral.log'), 'utf8').includes(password), 'the BMC password is never logged');

    // 2. Change n1's workflow in the SoT: n1 (only) is re-provisioned.
    const n2Before = ((await api(LAB, '/hosts/lab-n2/events')) as any[]).length;
    write('workflows/corral-lab-install-v2.yml', 'id: corral-lab-install-v2\nworkflow:\n  - boot: corral-lab-install\n');
    edit('sites/corral-lab/machines.yml', (s) => s.replace(/(name: lab-n1\nworkflow: )corral-lab-install\n/, '$1corral-lab-install-v2\n'));
    await waitFor('n1 re-provisioning', async () => ((await api(LAB, '/hosts/lab-n1')).lifecycle_state === 'provisioning' ? true : undefined), 60_000);
    await waitFor('n1 active again', async () => ((await api(LAB, '/hosts/lab-n1')).lifecycle_state === 'active' ? true : undefined), 6 * 60_000, 2000);
    const reasons = ((await api(LAB, '/hosts/lab-n1/events')) as any[]).filter((e) => e.type === 'provision.requested').map((e) => e.data?.reason);
    assert.deepEqual(reasons, ['new in the SoT', 'what it should run changed in the SoT']);
    assert.equal(((await api(LAB, '/hosts/lab-n2/events')) as any[]).filter((e) => e.type === 'provision.requested').length, 1, `n2 untouched (${n2Before} events before)`);

    // 3. Pull n2's plug whenever it is booting: Corral retries once with a power cycle, then fails it.
    // As the local CLI does: the admin token from the data folder's 0600 file.
    const tok = token(LAB);
    const prov = await api(LAB, '/hosts/lab-n2/provision', { method: 'POST', headers: { 'x-auth-token': tok } });
    assert.equal(prov.id, 'lab-n2', JSON.stringify(prov));
    const failed = await waitFor('n2 failed', async () => {
      const h = await api(LAB, '/hosts/lab-n2');
      if (h.lifecycle_state === 'provisioning' && ['ipxe', 'kernel'].includes(h.stage)) await control(LAB, 'POST', '/machines/lab-n2/power', 'off');
      return h.lifecycle_state === 'failed' ? h : undefined;
    }, 12 * 60_000);
    assert.match(failed.last_error, /no progress within \d+ s at stage (kernel|ipxe|dhcp).*gave up after 2 attempts/);
    const types = ((await api(LAB, '/hosts/lab-n2/events')) as any[]).map((e) => e.type);
    assert.ok(types.filter((t) => t === 'timeout').length >= 2, `two timeouts: ${types.join(', ')}`);

    // 4. The site turns on-demand and declares n3; resmgr's role assignment provisions it.
    edit('sites/corral-lab/env.yml', (s) => s.replace(/^mode: auto$/m, 'mode: on-demand'));
    write('sites/corral-lab/n3.yml', `name: ${N3.name}\ninterfaces:\n  - {type: physical, mac: "${N3.mac}", subnet: corral-lab, ipv4: ${N3.ip}}\n  - type: bmc\n    bmc: {type: ipmi, address: 127.0.0.1, port: ${N3.port}, username: admin, password: {file: corral-lab-bmc.pass}, cipher_suite: 3}\n`);
    await waitFor('n3 in the inventory', async () => ((await api(LAB, '/hosts/lab-n3'))?.lifecycle_state === 'inactive' ? true : undefined), 60_000);
    assert.deepEqual((await api(LAB, '/hosts/lab-n3')).roles, []);
    const noToken = await fetch(`${LAB.api}/v1/hosts/lab-n3/roles/lab-role`, { method: 'PUT' });
    assert.equal(noToken.status, 401, 'assigning a role needs a token');
    const put = await fetch(`${LAB.api}/v1/hosts/lab-n3/roles/lab-role`, { method: 'PUT', headers: { 'x-auth-token': tok } });
    assert.equal(put.status, 200, await put.text());
    const converging = await waitFor('n3 converging', async () => {
      const h = await api(LAB, '/hosts/lab-n3');
      return h?.role_status === 'converging' ? h : undefined;
    }, 60_000);
    assert.equal(converging.state, 'activating');
    assert.deepEqual(converging.roles, ['lab-role']);
    // A machine elsewhere on the provisioning LAN forges n3's checkpoint during the install.
    const evil = sh([`ip netns add ${EVIL}`, `ip link add evil0 type veth peer name evil0p`, `ip link set evil0 netns ${LAB.name}`,
      `ip -n ${LAB.name} link set evil0 master corral0 up`, `ip link set evil0p netns ${EVIL}`, `ip -n ${EVIL} addr add 10.77.0.66/24 dev evil0p`,
      `ip -n ${EVIL} link set evil0p up`].join(' && '));
    assert.equal(evil.status, 0, evil.stderr);
    const forge = (path: string) => sh(`ip netns exec ${EVIL} curl -s -o /dev/null -w '%{http_code}' 'http://10.77.0.1:8080${path}'`, 20_000).stdout;
    assert.equal(forge(`/checkpoint/${N3.mac}/corral-lab-install/1`), '403', 'the secret-less form is refused');
    assert.equal(forge(`/checkpoint/${'A'.repeat(43)}/${N3.mac}/corral-lab-install`), '403', 'a guessed secret is refused');
    assert.notEqual((await api(LAB, '/hosts/lab-n3')).lifecycle_state, 'active', 'a forged checkpoint completes nothing');
    const ok = await waitFor('n3 active with its role', async () => {
      const h = await api(LAB, '/hosts/lab-n3');
      return h?.role_status === 'ok' && h.state === 'active' ? h : undefined;
    }, 8 * 60_000, 2000);
    assert.deepEqual(ok.roles, ['lab-role']);
    const refused = (await api(LAB, '/services')).http.stats.refused;
    assert.ok(refused.missing_secret + refused.bad_secret >= 2, `refusals counted: ${JSON.stringify(refused)}`);
    const n3Events = (await api(LAB, '/hosts/lab-n3/events')) as any[];
    assert.equal(n3Events.filter((e) => e.type === 'checkpoint').length, 2, 'only the real checkpoints (two per install) are journalled');

    // The SSE client saw every journalled event of every host, in order, with id = seq.
    await waitFor('the stream to catch up', () => (sseText.includes(`id: ${n3Events[n3Events.length - 1].seq}\n`) ? true : undefined), 30_000, 200);
    const streamed = sseText.split('\n\n').map((f) => ({ id: /^id: (\d+)$/m.exec(f)?.[1], type: /^event: (.+)$/m.exec(f)?.[1] })).filter((f) => f.id);
    const ids = streamed.map((f) => Number(f.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in seq order');
    for (const name of [...HOSTS, N3.name]) {
      const journal = (await api(LAB, `/hosts/${name}/events`)) as any[];
      const got = new Map(streamed.map((f) => [Number(f.id), f.type]));
      for (const e of journal) if (e.seq > ids[0]!) assert.equal(got.get(e.seq), e.type, `${name}: event ${e.seq} (${e.type}) on the stream`);
    }
    const n3Types = streamed.filter((f) => n3Events.some((e) => e.seq === Number(f.id))).map((f) => f.type);
    for (const tp of ['provision.requested', 'power.acked', 'dhcp.acked', 'ipxe.served', 'kernel.fetched', 'checkpoint']) assert.ok(n3Types.includes(tp), `n3: ${tp} streamed (${n3Types.join(', ')})`);

    // 5. Vaquero's cluster request on the on-demand site: the planner picks the two hosts nothing
    // holds (n3 has a role), they are held and installed with the workflow through their BMCs.
    const ask = (body: unknown) => fetch(`${LAB.api}/v1/cluster`, { method: 'POST', headers: { 'x-auth-token': tok, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const made = await ask({ hosts: 2, workflow: 'corral-lab-install', site: 'corral-lab' });
    assert.equal(made.status, 201, await made.clone().text());
    const cluster = (await made.json()) as { id: string; hosts: { id: string }[] };
    assert.deepEqual(cluster.hosts.map((h) => h.id).sort(), HOSTS);
    const more = await ask({ hosts: 1, workflow: 'corral-lab-install', site: 'corral-lab' });
    assert.equal(more.status, 409, 'no free host is left');
    assert.match(((await more.json()) as { message: string }).message, /only 0 free host/);
    assert.equal(((await api(LAB, '/plans')).plans as unknown[]).length, 1, 'the refused request holds nothing (no second plan)');
    const active = await waitFor('the cluster active', async () => {
      const c = await api(LAB, `/cluster/${cluster.id}`);
      return c?.status === 'active' ? c : c?.status === 'failed' ? Promise.reject(new Error(JSON.stringify(c))) : undefined;
    }, 10 * 60_000, 2000);
    assert.deepEqual(active.hosts.map((h: { state: string }) => h.state), ['active', 'active']);
    for (const h of HOSTS) {
      const last = ((await api(LAB, `/hosts/${h}/events`)) as any[]).filter((e) => e.type === 'provision.requested').pop();
      assert.equal(last.data?.workflow, 'corral-lab-install', `${h} installed with the cluster's workflow`);
    }
  } finally {
    sse?.kill('SIGKILL');
    sh(`ip netns del ${EVIL} 2>/dev/null`);
    labDown(LAB);
  }
});
