// `provider: qemu` pools end to end: Corral's own lab (`corral lab up`, on-demand site) with a
// SoT that adds two pools of one VM each that Corral runs itself, their taps on the lab's bridge:
// `qpool` (BIOS: SeaBIOS and the e1000's iPXE ROM) and `qpool-uefi` (OVMF's PXE client, then
// snponly.efi over TFTP). With no API call the pool manager installs both through Corral's real
// chain — the qemu BMC's PXE-once and power-on, DHCP, iPXE, the lab kernel and initrd, the lab
// installer and its checkpoints — and they become `ready`. A user checks the BIOS VM out over
// vmpooler's API and returns it (DELETE): it is wiped (another real boot, the lab payload with a
// wipe script) and installed to ready again. Proven through the APIs: vmpooler's state, the
// hosts' journals, their consoles. Needs root, QEMU, qemu-img and the lab's tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, assertEventsInOrder, eventTimeline, hostEvents, labDown, labUp, labWhyNot, sh, token, vmpooler, waitFor, type JournalEvent, type Lab } from './lab-helpers.js';

// Distinct from the other e2e labs (ports 18081, 18192, 18193, 18290).
const LAB: Lab = { name: 'corral-qpool', dir: '/tmp/corral-qpool-lab', api: 'http://127.0.0.1:18390' };
/** The SoT merged into the lab's (`lab up --sot`): present from Corral's first load. */
const SEED = '/tmp/corral-qpool-seed';
const POOL = 'qpool';
const VM = `${POOL}-vm1`;
/** The lab's subnet is 10.77.0.0/24; without ip_start a pool's one VM gets the top address. */
const VM_IP = '10.77.0.254';
const UEFI_POOL = 'qpool-uefi';
const UEFI_VM = `${UEFI_POOL}-vm1`;
const UEFI_IP = '10.77.0.240';
const skip = labWhyNot(['qemu-img']);

/**
 * The pools: one small VM each, BIOS and UEFI (booting as the lab's BIOS and UEFI machines do),
 * on the lab's site, subnet and bridge, installed with the lab's installer workflow; what comes
 * back is wiped with the lab's own `wipe` workflow (src/lab/sot.ts).
 */
function writeSeed(): void {
  rmSync(SEED, { recursive: true, force: true });
  const w = (rel: string, text: string) => {
    mkdirSync(join(SEED, rel, '..'), { recursive: true });
    writeFileSync(join(SEED, rel), text);
  };
  const pool = (name: string, firmware: string, extra = '') => `name: ${name}
provider: qemu
workflow: corral-lab-install
size: 1
vms: 1
site: corral-lab
subnet: corral-lab
bridge: corral0
firmware: ${firmware}
cpus: 1
memory: 256M
disk: 64M
${extra}`;
  w(`pools/${POOL}.yml`, pool(POOL, 'bios'));
  // Its own address: both pools' one VM would otherwise take the subnet's top one.
  w(`pools/${UEFI_POOL}.yml`, pool(UEFI_POOL, 'uefi', `ip_start: ${UEFI_IP}\n`));
}

/** vmpooler's routes live under /api/v1, beside the operator API's /v1 (lab-helpers' api()). */
const vmp = (path: string, init: RequestInit = {}) => vmpooler(LAB, path, init);

type Ev = JournalEvent;
const events = (h: string) => hostEvents(LAB, h);
const vmState = async (h: string) => (await vmp(`/vm/${h}`)).body?.[h]?.state as string | undefined;
const consoleOf = async (h: string) => {
  const r = await fetch(`${LAB.api}/v1/hosts/${h}/console?tail=1048576`, { signal: AbortSignal.timeout(15_000) });
  return r.status === 200 ? await r.text() : '';
};

const assertInOrder = (evs: Ev[], afterSeq: number, want: string[], vm = VM) => assertEventsInOrder(vm, evs, afterSeq, want);
const timeline = eventTimeline;

/** What the lab leaves behind if teardown failed: its namespace (and the taps in it), the VMs' QEMU. */
function leftovers(): string[] {
  const out: string[] = [];
  if (sh(`ip netns list | grep -qw '^${LAB.name}'`).status === 0) out.push(`namespace ${LAB.name}`);
  for (const vm of [VM, UEFI_VM]) {
    const q = sh(`pgrep -f -- '-name ${vm} '`).stdout.trim();
    if (q) out.push(`qemu of ${vm} (pid ${q})`);
  }
  if (existsSync(LAB.dir)) out.push(LAB.dir);
  return out;
}

/** On failure, before teardown removes them: the VM's journal, console end and the lab's logs. */
async function diagnose(): Promise<void> {
  const tail = (f: string, n: number) => (existsSync(f) ? readFileSync(f, 'utf8').trimEnd().split('\n').slice(-n).join('\n') : `(no ${f})`);
  for (const vm of [VM, UEFI_VM]) {
    try {
      console.log(`# ${vm} journal:\n${(await events(vm)).map((e) => `${e.at} ${e.type} ${JSON.stringify(e.data ?? {})}`).join('\n')}`);
    } catch (e) {
      console.log(`# ${vm} journal unreadable: ${(e as Error).message}`);
    }
    console.log(`# ${vm} console:\n${tail(join(LAB.dir, 'console', `${vm}.log`), 30)}`);
  }
  console.log(`# corral.log:\n${tail(join(LAB.dir, 'corral.log'), 40)}`);
  console.log(`# lab.log:\n${tail(join(LAB.dir, 'lab.log'), 20)}`);
}

const BOOT = ['power.acked', 'dhcp.acked', 'kernel.fetched', 'checkpoint'];

test('qemu pool VMs (BIOS and UEFI) PXE-boot through Corral to ready; one is checked out, returned, wiped and ready again', { skip, timeout: 11 * 60_000 }, async () => {
  // Every wait below is bounded (lab up 120 s, ready 3 min, ready again 4 min) well inside the
  // test's timeout, so a failure still reaches the teardown in `finally`.
  const t0 = Date.now();
  const mark = (what: string) => console.log(`# ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    labDown(LAB);
    writeSeed();
    // One lab machine (the site needs none, but lab up makes at least one; on-demand leaves it off).
    labUp(LAB, ['--mode', 'on-demand', '--hosts', '1', '--uefi', '0', '--bmc', 'redfish', '--sot', SEED, '--timeout', '120']);
    mark('lab up');

    // The VM is an ordinary host of the lab's site, addressed from its subnet.
    const host = await api(LAB, `/hosts/${VM}`);
    assert.equal(host.id, VM, JSON.stringify(host));
    assert.equal(host.site, 'corral-lab');
    assert.equal(host.interfaces[0].ipv4, VM_IP);
    assert.equal(host.interfaces[1].bmc.type, 'qemu');

    // 1. No call: the pool manager installs each VM through the chain, and they become ready.
    await waitFor(`${VM} and ${UEFI_VM} ready`, async () => ((await vmState(VM)) === 'ready' && (await vmState(UEFI_VM)) === 'ready' ? true : undefined), 3 * 60_000, 2000);
    mark('VMs installed and ready');
    const evs = await events(VM);
    console.log(`# install: ${timeline(evs, 0)}`);
    assert.ok(evs.some((e) => e.type === 'pool.taken' && e.data?.pool === POOL), `${VM} taken by the pool`);
    assertInOrder(evs, 0, ['pool.taken', 'provision.requested', ...BOOT, 'checkpoint']);
    const acked = evs.find((e) => e.type === 'dhcp.acked');
    assert.equal(acked?.data?.ip, VM_IP, `DHCP gave ${VM} its pool address: ${JSON.stringify(acked?.data)}`);
    assert.equal((await api(LAB, `/hosts/${VM}`)).lifecycle_state, 'active');
    assert.match(await consoleOf(VM), new RegExp(`CORRAL-LAB-INSTALL-OK host=${VM}\\b`), "the lab installer's success marker on the VM's console");
    // The UEFI VM: OVMF's PXE client first, snponly.efi over TFTP, then the same chain.
    const uevs = await events(UEFI_VM);
    console.log(`# install (uefi): ${timeline(uevs, 0)}`);
    assertInOrder(uevs, 0, ['pool.taken', 'provision.requested', 'power.acked', 'dhcp.acked', 'tftp.sent', 'ipxe.served', 'kernel.fetched', 'checkpoint', 'checkpoint'], UEFI_VM);
    assert.equal(uevs.find((e) => e.type === 'dhcp.acked')?.data?.ip, UEFI_IP);
    assert.match(await consoleOf(UEFI_VM), new RegExp(`CORRAL-LAB-INSTALL-OK host=${UEFI_VM}\\b`));
    const pools = (await vmp('/status?view=pools')).body.pools;
    assert.deepEqual(pools[POOL], { ready: 1, running: 0, pending: 0, max: 1, alias: [] });
    assert.deepEqual(pools[UEFI_POOL], { ready: 1, running: 0, pending: 0, max: 1, alias: [] });
    const list = await vmp('/vm');
    assert.equal(list.status, 200);
    assert.deepEqual([...list.body].sort(), [POOL, UEFI_POOL], `GET /vm lists both pools: ${JSON.stringify(list.body)}`);

    // A user (not an admin) with a vmpooler token, as vmfloaty would get one.
    const made = await fetch(`${LAB.api}/v1/users`, { method: 'POST', headers: { 'x-auth-token': token(LAB), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'qpooluser', role: 'user', password: 'qpool-user-pw-1' }) });
    assert.equal(made.status, 201, await made.text());
    const tok = (await vmp('/token', { method: 'POST', headers: { authorization: `Basic ${Buffer.from('qpooluser:qpool-user-pw-1').toString('base64')}` } })).body.token as string;
    assert.match(tok, /^[a-z0-9]{32}$/);
    const user = { 'x-auth-token': tok, 'content-type': 'application/json' };

    // 2. Check it out: the one VM, running in vmpooler's words, at its address.
    const out = await vmp(`/vm/${POOL}`, { method: 'POST', headers: user });
    assert.equal(out.status, 200, JSON.stringify(out.body));
    assert.equal(out.body.ok, true);
    assert.equal(out.body[POOL].hostname, VM);
    const held = (await vmp(`/vm/${VM}`)).body[VM];
    assert.equal(held.state, 'running');
    assert.equal(held.ip, VM_IP);
    assert.deepEqual((await vmp(`/token/${tok}`)).body[tok].vms.running, [VM]);
    assert.equal((await vmp('/status?view=pools')).body.pools[POOL].ready, 0);

    // 3. Return it: wiped through a second real boot, then installed again to ready.
    const beforeReturn = (await events(VM)).at(-1)!.seq;
    const del = await vmp(`/vm/${VM}`, { method: 'DELETE', headers: user });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    await waitFor(`${VM} ready again`, async () => ((await vmState(VM)) === 'ready' ? true : undefined), 4 * 60_000, 2000);
    mark('returned VM wiped and ready again');
    const after = await events(VM);
    console.log(`# return: ${timeline(after, beforeReturn)}`);
    assert.equal(after.find((e) => e.seq > beforeReturn && e.type === 'pool.returned')?.data?.why, 'returned');
    assertInOrder(after, beforeReturn, ['pool.returned', 'reclaim.requested', ...BOOT, 'provision.requested', ...BOOT, 'checkpoint']);
    const text = await consoleOf(VM);
    assert.match(text, new RegExp(`CORRAL-LAB-WIPE-OK host=${VM}\\b`), 'the wipe ran on the VM');
    assert.equal(text.split(`CORRAL-LAB-INSTALL-OK host=${VM}`).length - 1, 2, 'installed twice');
    assert.deepEqual((await vmp('/status?view=pools')).body.pools[POOL], { ready: 1, running: 0, pending: 0, max: 1, alias: [] });
    assert.equal((await vmp(`/token/${tok}`)).body[tok].vms, undefined, 'nothing left checked out');
    assert.equal(await vmState(UEFI_VM), 'ready', 'the other pool was left alone');
    mark('done');
  } catch (e) {
    await diagnose();
    throw e;
  } finally {
    labDown(LAB);
    rmSync(SEED, { recursive: true, force: true });
  }
  // Teardown leaves nothing: the VM's QEMU, its tap (in the lab's namespace) and the namespace are gone.
  assert.deepEqual(leftovers(), []);
});
