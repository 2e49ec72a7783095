// vmpooler pools end to end on real (virtual) machines: Corral's own lab (`corral lab up`) with an
// ON-DEMAND site of two QEMU hosts behind ipmi_sim BMCs, and a pool `lab-pool` of size 2 over
// them. With no API call Corral fills the pool (both hosts installed through their BMCs and PXE,
// then `ready`); a user checks one out over vmpooler's API and returns it (DELETE): it is wiped
// (a real boot of the lab payload that zeroes its disk and calls a checkpoint) and installed
// again to ready; a second check-out is left to expire (the pool's lifetime is 60 s, written in
// the SoT's seconds syntax, since PUT /vm can only set whole hours) and is wiped and re-installed
// with no call. Each reclaim is proven by the VM's journal and the lab's log: power, DHCP, kernel
// and checkpoint after the return. Needs root, QEMU, ipmitool and OpenIPMI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, assertEventsInOrder, consoleText, eventTimeline, hostEvents, labDown, labUp, labWhyNot, token, vmpooler, waitFor, type JournalEvent, type Lab } from './lab-helpers.js';

// Distinct from lab.test.ts (corral-e2e, 18092) and lifecycle-bmc.test.ts (corral-lc, 18081); 18090-18093 are often taken on shared machines.
const LAB: Lab = { name: 'corral-pool', dir: '/tmp/corral-pool-lab', api: 'http://127.0.0.1:18193' };
/** The SoT merged into the lab's (`lab up --sot`): present from Corral's first load, so no reload race. */
const SEED = '/tmp/corral-pool-seed';
const HOSTS = ['lab-n1', 'lab-n2'];
const POOL = 'lab-pool';
const LIFETIME_S = 60;
const skip = labWhyNot();

/**
 * The pool over the lab's two machines; its `wipe` workflow is the lab's own (src/lab/sot.ts:
 * the same payload, a script that zeroes what the installer wrote and calls one checkpoint).
 */
function writeSeed(): void {
  rmSync(SEED, { recursive: true, force: true });
  const w = (rel: string, text: string) => {
    mkdirSync(join(SEED, rel, '..'), { recursive: true });
    writeFileSync(join(SEED, rel), text);
  };
  w(`pools/${POOL}.yml`, `name: ${POOL}\nworkflow: corral-lab-install\nsize: 2\nselector:\n  sites: [corral-lab]\n  hosts: [${HOSTS.join(', ')}]\n# Seconds: the test waits for an expiry; PUT /vm sets whole hours only.\nlifetime: ${LIFETIME_S}s\nmax_lifetime: 2h\n`);
}

const vmp = (path: string, init: RequestInit = {}) => vmpooler(LAB, path, init);
const events = (h: string) => hostEvents(LAB, h);

const vmState = async (h: string) => (await vmp(`/vm/${h}`)).body?.[h]?.state as string | undefined;
const ready = async () => (await vmp(`/poolstat?pool=${POOL}`)).body?.pools?.[POOL]?.ready as number | undefined;

const assertInOrder = assertEventsInOrder;

const BOOT = ['power.acked', 'dhcp.acked', 'kernel.fetched', 'checkpoint'];

const timeline = (host: string, evs: JournalEvent[], afterSeq: number) => `${host}: ${eventTimeline(evs, afterSeq)}`;

test('a pool on an on-demand lab site: filled through BMCs, checked out, returned and expired hosts wiped and re-installed to ready', { skip, timeout: 25 * 60_000 }, async () => {
  const t0 = Date.now();
  const mark = (what: string) => console.log(`# ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    labDown(LAB);
    writeSeed();
    // One VM boots at a time (TCG on 2 cores shared with others).
    labUp(LAB, ['--mode', 'on-demand', '--hosts', '2', '--uefi', '0', '--bmc', 'ipmi', '--sot', SEED, '--timeout', '300', '--', '--storm-limit', '1']);
    mark('lab up');

    // 1. No call: the pool manager takes both hosts of the on-demand site and installs them.
    await waitFor('lab-pool filled: 2 ready', async () => ((await ready()) === 2 ? true : undefined), 10 * 60_000, 2000);
    mark('pool filled');
    for (const h of HOSTS) {
      assert.equal((await api(LAB, `/hosts/${h}`)).lifecycle_state, 'active');
      assert.equal(await vmState(h), 'ready', `${h} ready in vmpooler's words`);
      const evs = await events(h);
      assert.ok(evs.some((e) => e.type === 'pool.taken' && e.data?.pool === POOL), `${h} taken by the pool`);
      assertInOrder(h, evs, 0, ['pool.taken', 'provision.requested', ...BOOT, 'checkpoint']);
    }
    const status = (await vmp('/status?view=pools')).body;
    assert.deepEqual(status.pools[POOL], { ready: 2, running: 0, pending: 0, max: 2, alias: [] });

    // A user (not an admin) with a vmpooler token, as vmfloaty would get one.
    const admin = token(LAB);
    const made = await fetch(`${LAB.api}/v1/users`, { method: 'POST', headers: { 'x-auth-token': admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'pooluser', role: 'user', password: 'pool-user-pw-1' }) });
    assert.equal(made.status, 201, await made.text());
    const tok = (await vmp('/token', { method: 'POST', headers: { authorization: `Basic ${Buffer.from('pooluser:pool-user-pw-1').toString('base64')}` } })).body.token as string;
    assert.match(tok, /^[a-z0-9]{32}$/);
    const user = { 'x-auth-token': tok, 'content-type': 'application/json' };

    // 2. Check out one host, then return it: it is wiped (a real boot) and installed to ready again.
    const out1 = await vmp(`/vm/${POOL}`, { method: 'POST', headers: user });
    assert.equal(out1.status, 200, JSON.stringify(out1.body));
    const a = out1.body[POOL].hostname as string;
    assert.ok(HOSTS.includes(a), `a pool host: ${a}`);
    const other = HOSTS.find((h) => h !== a)!;
    const held = (await vmp(`/vm/${a}`)).body[a];
    assert.equal(held.state, 'running');
    assert.equal(held.lifetime, Math.round((LIFETIME_S / 3600) * 100) / 100, 'the pool lifetime, in hours');
    assert.deepEqual((await vmp(`/token/${tok}`)).body[tok].vms.running, [a]);
    assert.equal(await ready(), 1);
    const beforeReturn = (await events(a)).at(-1)!.seq;
    const del = await vmp(`/vm/${a}`, { method: 'DELETE', headers: user });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    await waitFor(`${a} wiped`, async () => (['reclaiming', 'inactive', 'provisioning'].includes((await api(LAB, `/hosts/${a}`)).lifecycle_state) ? true : undefined), 60_000, 500);
    await waitFor(`${a} ready again`, async () => ((await vmState(a)) === 'ready' ? true : undefined), 6 * 60_000, 2000);
    mark('returned host wiped and ready again');
    const evA = await events(a);
    console.log(`# ${timeline(a, evA, beforeReturn)}`);
    const returned = evA.find((e) => e.seq > beforeReturn && e.type === 'pool.returned');
    assert.equal(returned?.data?.why, 'returned', 'returned by the DELETE, not by expiry');
    assertInOrder(a, evA, beforeReturn, ['pool.returned', 'reclaim.requested', ...BOOT, 'provision.requested', ...BOOT, 'checkpoint']);
    assert.match(consoleText(LAB, a), new RegExp(`CORRAL-LAB-WIPE-OK host=${a}`), 'the wipe ran on the VM');
    assert.equal(await vmState(other), 'ready', 'the other host stayed ready');

    // 3. A second check-out, left alone: its 60 s lifetime passes and Corral reclaims it with no call.
    const out2 = await vmp(`/vm/${POOL}`, { method: 'POST', headers: user });
    assert.equal(out2.status, 200, JSON.stringify(out2.body));
    const b = out2.body[POOL].hostname as string;
    // PUT /vm takes whole hours (vmpooler's unit): it cannot shorten a lifetime below one hour.
    const put0 = await vmp(`/vm/${b}`, { method: 'PUT', headers: user, body: JSON.stringify({ lifetime: '0' }) });
    assert.equal(put0.status, 400, JSON.stringify(put0.body));
    const tagged = await vmp(`/vm/${b}`, { method: 'PUT', headers: user, body: JSON.stringify({ tags: { purpose: 'expiry' } }) });
    assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
    const end = Date.parse((await vmp(`/vm/${b}`)).body[b].end_time);
    const beforeExpiry = (await events(b)).at(-1)!.seq;
    // From here on only reads: the expiry alone must move it.
    const expired = await waitFor(`${b} expired`, async () => (await events(b)).find((e) => e.seq > beforeExpiry && e.type === 'pool.returned'), 3 * 60_000, 1000);
    assert.equal(expired.data?.why, 'lifetime expired');
    // Timed on the appliance's clock at the end_time it announced, not at the next periodic look.
    const lateMs = Date.parse(expired.at) - end;
    assert.ok(lateMs >= 0 && lateMs < 5_000, `reclaimed ${lateMs} ms after its end_time`);
    await waitFor(`${b} ready again`, async () => ((await vmState(b)) === 'ready' ? true : undefined), 6 * 60_000, 2000);
    mark('expired host wiped and ready again');
    console.log(`# ${timeline(b, await events(b), beforeExpiry)}`);
    assertInOrder(b, await events(b), beforeExpiry, ['pool.returned', 'reclaim.requested', ...BOOT, 'provision.requested', ...BOOT, 'checkpoint']);
    assert.match(consoleText(LAB, b), new RegExp(`CORRAL-LAB-WIPE-OK host=${b}`));
    assert.equal((await vmp(`/token/${tok}`)).body[tok].vms, undefined, 'nothing left checked out (vmpooler leaves out "vms" then)');

    // The VMs really rebooted: each was powered on to PXE by its BMC for every install and wipe.
    const labLog = readFileSync(join(LAB.dir, 'lab.log'), 'utf8');
    // Install, wipe, install again: three PXE power-ons per host (five if one host served both check-outs).
    for (const h of new Set([a, b])) {
      const n = labLog.split('\n').filter((l) => l.includes(`lab machine powered on {"machine":"${h}","boot":"pxe"`)).length;
      assert.ok(n >= (a === b ? 5 : 3), `${h}: ${n} PXE power-ons in lab.log`);
    }
    assert.equal(await ready(), 2, 'the pool is full again');
    // The pool manager did all this without an action failing (it logs and carries on when one does).
    const corralLog = readFileSync(join(LAB.dir, 'corral.log'), 'utf8');
    assert.deepEqual(corralLog.split('\n').filter((l) => /pool (action|pass) failed/.test(l)), []);
    mark('done');
  } finally {
    labDown(LAB);
    rmSync(SEED, { recursive: true, force: true });
  }
});
