// Every rollout rule holds a machine that network-boots by itself, exactly as it holds the
// orchestrator's own starts and API requests: one decision (docs/lifecycle.md). Each case is an
// HTTP GET of the host's boot script, as its firmware makes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredFingerprint } from '../../src/lifecycle/fingerprint.js';
import { BASE } from '../sot/helpers.js';
import { waitFor } from '../fakes/wait.js';
import { MAC1, MAC2, hostYaml, isBoot, isExit, isWait, oneOwnerWorld } from './one-owner-world.js';

const ON_DEMAND = { 'sites/s1/env.yml': BASE['sites/s1/env.yml']!.replace('mode: auto', 'mode: on-demand') };
const count = (types: string[], t: string) => types.filter((x) => x === t).length;

test('max_concurrent: a second host waits and asks again; it starts, without a power cycle, once a slot frees', async () => {
  const w = await oneOwnerWorld({ 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\ndeps: {max_concurrent: 1}\n' });
  try {
    assert.ok(isBoot(await w.script(MAC1)), 'the first host to ask takes the slot');
    assert.equal(w.store.get('hosts', 'h1')!.state, 'provisioning');
    const wait = await w.script(MAC2);
    assert.ok(isWait(wait, /h2: waiting: max_concurrent 1 of wf reached; asking again in 30 s \(1\/20\)/), wait);
    assert.match(wait, new RegExp(`\nchain --replace ${w.base}/ipxe/${MAC2}\\?wait=1 \\|\\| exit 1\n`));
    assert.match(await w.script(MAC2, '?wait=1'), /\?wait=2 /, 'each ask carries its round');
    assert.ok(isExit(await w.script(MAC2, '?wait=20'), /still waiting after 10 min \(max_concurrent 1 of wf reached\)/), 'the waiting is bounded');
    assert.equal(w.store.get('hosts', 'h2')!.state, 'inactive');
    assert.equal(count(await w.events('h2'), 'provision.requested'), 0);
    await waitFor(async () => count(await w.events('h2'), 'ipxe.exit') === 1, { what: 'the bounded wait\'s ipxe.exit' });
    assert.equal(count(await w.events('h2'), 'ipxe.wait'), 1, 'journalled at the first ask only');

    await w.lifecycle.report('h1', { type: 'checkpoint', boot: 'b1' });
    assert.ok(isBoot(await w.script(MAC2, '?wait=3')));
    const h2 = w.store.get('hosts', 'h2')!;
    assert.equal(h2.state, 'provisioning');
    assert.equal(h2.bootAttempt, 1, 'this network boot is the run\'s first attempt');
    assert.deepEqual(w.effects.filter((e) => !e.endsWith(':notify')), [], 'both were already booting: nothing was power-cycled');
  } finally {
    await w.close();
  }
});

test('a host whose wait rounds ran out boots its next device: started later, it is power-cycled', async () => {
  const w = await oneOwnerWorld({ 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\ndeps: {max_concurrent: 1}\n' });
  try {
    assert.ok(isBoot(await w.script(MAC1)));
    assert.ok(isWait(await w.script(MAC2), /max_concurrent 1 of wf reached/));
    assert.ok(isExit(await w.script(MAC2, '?wait=20'), /still waiting after 10 min/), 'its last ask: it gives up');
    // The slot frees; h2 is on its disk now, not in iPXE asking again: only a power cycle boots it.
    await w.lifecycle.report('h1', { type: 'checkpoint', boot: 'b1' });
    await waitFor(async () => {
      await w.orch.reconcile();
      return w.store.get('hosts', 'h2')!.state === 'provisioning';
    }, { what: 'h2 started by the orchestrator' });
    assert.deepEqual(w.effects.filter((e) => e.startsWith('h2:') && !e.endsWith(':notify')), ['h2:bootPxe', 'h2:power:cycle']);
  } finally {
    await w.close();
  }
});

test('boot-storm limit: a host waits while others are in early boot stages', async () => {
  const w = await oneOwnerWorld({}, { stormLimit: 1 });
  try {
    await w.orch.requestProvision('h1'); // power-cycled: stage power, an early stage
    assert.deepEqual(w.effects, ['h1:bootPxe', 'h1:power:cycle']);
    assert.ok(isWait(await w.script(MAC2), /boot storm limit 1 reached/));
    await w.lifecycle.report('h1', { type: 'ipxe.served' });
    assert.ok(isBoot(await w.script(MAC2)), 'h1 past the early stages: h2 starts');
  } finally {
    await w.close();
  }
});

test('max_fail: a halted rollout sends a network-booting host on to its next device; an API request still goes', async () => {
  const w = await oneOwnerWorld({ 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\ndeps: {max_fail: 1}\n' });
  try {
    const sot = w.live.current()!;
    const fp = desiredFingerprint(sot, sot.hosts.find((h) => h.id === 'h1')!)!;
    await w.store.transact((tx) => tx.put('hosts', 'h1', { ...tx.get('hosts', 'h1')!, state: 'failed', desiredFingerprint: fp, lastError: 'disk' }));
    for (let i = 0; i < 2; i++) assert.ok(isExit(await w.script(MAC2), /rollout of wf halted: max_fail 1 reached/));
    assert.equal(count(await w.events('h2'), 'provision.requested'), 0);
    await w.orch.requestProvision('h2');
    assert.equal(w.store.get('hosts', 'h2')!.state, 'provisioning');
  } finally {
    await w.close();
  }
});

test('block_deps + min_standing: a host waits until the workflow it depends on has its active hosts', async () => {
  const w = await oneOwnerWorld({
    'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\ndeps: {min_standing: 1}\n',
    'workflows/wf2.yml': 'id: wf2\nworkflow:\n  - boot: b1\ndeps: {block_deps: [wf]}\n',
    'sites/s1/more.yml': hostYaml('p1', 1, 'workflow: wf2\n'),
  });
  try {
    assert.ok(isWait(await w.script('52:54:00:00:0a:01'), /waiting for wf to have 1 active host\(s\)/));
    // The same plan started h1 and h2 (auto site, new hosts): one finishing releases p1.
    assert.equal(w.store.get('hosts', 'h1')!.state, 'provisioning');
    await w.lifecycle.report('h1', { type: 'checkpoint', boot: 'b1' });
    assert.equal(w.store.get('hosts', 'h1')!.state, 'active');
    assert.ok(isBoot(await w.script('52:54:00:00:0a:01')));
    assert.equal(w.store.get('hosts', 'p1')!.state, 'provisioning');
  } finally {
    await w.close();
  }
});

test('on-demand site: a network boot starts nothing; a queued API request held by a limit makes it wait instead', async () => {
  const w = await oneOwnerWorld(ON_DEMAND, { stormLimit: 0 });
  try {
    assert.ok(isExit(await w.script(MAC1), /h1: on-demand site: waiting for a provisioning request/));
    await w.orch.requestProvision('h1');
    assert.match(w.orch.waiting().get('h1')!, /boot storm limit 0 reached/);
    assert.ok(isWait(await w.script(MAC1), /boot storm limit 0 reached/), 'the request and the boot meet in one decision');
    assert.equal(count(await w.events('h1'), 'provision.requested'), 0);
  } finally {
    await w.close();
  }
});

test('never_provision and maintenance: the host boots its next device, and nothing starts', async () => {
  const w = await oneOwnerWorld({ 'sites/s1/more.yml': hostYaml('n1', 1, 'workflow: wf\nnever_provision: true\n') }, { stormLimit: 0 });
  try {
    assert.ok(isExit(await w.script('52:54:00:00:0a:01'), /n1: never_provision is set/));
    await w.lifecycle.report('h1', { type: 'maintenance.enter', reason: 'disk swap' });
    assert.ok(isExit(await w.script(MAC1), /h1: in maintenance/), 'maintenance goes before any limit');
    assert.equal(w.store.get('hosts', 'h1')!.state, 'maintenance');
    assert.equal(count(await w.events('h1'), 'provision.requested'), 0);
    assert.equal(count(await w.events('n1'), 'provision.requested'), 0);
  } finally {
    await w.close();
  }
});
