// A failed host whose firmware falls back to network boot is not provisioned again by itself:
// it boots its next device, told why, on every boot until an operator acts (an API request) or
// the SoT changes what it should run (docs/lifecycle.md, "never in a loop"). And an API request
// may name another workflow; the same rules hold it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isApplianceError } from '../../src/model/index.js';
import { BASE } from '../sot/helpers.js';
import { waitFor } from '../fakes/wait.js';
import { MAC1, MAC2, isBoot, isExit, isWait, oneOwnerWorld, type OneOwnerWorld } from './one-owner-world.js';

const count = async (w: OneOwnerWorld, host: string, type: string) => (await w.events(host)).filter((t) => t === type).length;

/** h1 network-boots, starts, and its run fails. */
async function failH1(w: OneOwnerWorld): Promise<void> {
  assert.ok(isBoot(await w.script(MAC1)));
  await w.lifecycle.report('h1', { type: 'power.failed', reason: 'BMC unreachable' });
  assert.equal(w.store.get('hosts', 'h1')!.state, 'failed');
}

test('a failed host that network-boots 3 times stays failed: no new run, told to wait for an operator', async () => {
  const w = await oneOwnerWorld({});
  try {
    await failH1(w);
    assert.equal(await count(w, 'h1', 'provision.requested'), 1);
    for (let i = 0; i < 3; i++) {
      const text = await w.script(MAC1);
      assert.ok(isExit(text, /h1: failed: waiting for an operator \(power control failed: BMC unreachable\)/), text);
      await w.orch.reconcile(); // nor does the periodic plan retry it
    }
    assert.equal(w.store.get('hosts', 'h1')!.state, 'failed');
    assert.equal(await count(w, 'h1', 'provision.requested'), 1, 'no new provision.requested');
    await waitFor(async () => (await count(w, 'h1', 'ipxe.exit')) === 3, { what: '3 × ipxe.exit of h1' });

    // An operator acts: the host is provisioned again.
    await w.orch.requestProvision('h1');
    assert.equal(w.store.get('hosts', 'h1')!.state, 'provisioning');
    assert.equal(await count(w, 'h1', 'provision.requested'), 2);
  } finally {
    await w.close();
  }
});

test('a SoT change of what a failed host should run is a new desire: its next network boot starts it', async () => {
  const w = await oneOwnerWorld({});
  try {
    await failH1(w);
    assert.ok(isExit(await w.script(MAC1), /failed: waiting for an operator/));
    writeFileSync(join(w.dir, 'os/os1.yml'), BASE['os/os1.yml']!.replace('console: ttyS0', 'console: ttyS1'));
    assert.equal(await w.live.reload(), true);
    assert.ok(isBoot(await w.script(MAC1)));
    const last = (await w.store.events({ subject: 'h1' })).filter((e) => e.type === 'provision.requested').at(-1)!;
    assert.equal((last.data as { reason?: string }).reason, 'SoT changed since the last attempt');
  } finally {
    await w.close();
  }
});

const code = (c: string) => (e: unknown) => isApplianceError(e) && e.code === c;

test('requestProvision with another workflow: it must exist; it runs instead of the host\'s own, under the same limits', async () => {
  const w = await oneOwnerWorld({
    'sites/s1/env.yml': BASE['sites/s1/env.yml']!.replace('mode: auto', 'mode: on-demand'),
    'boot/b2.yml': 'id: b2\noperating_system: os1\n',
    'workflows/wf2.yml': 'id: wf2\nworkflow:\n  - boot: b2\ndeps: {max_concurrent: 1}\n',
  });
  try {
    await assert.rejects(w.orch.requestProvision('h1', { workflow: 'nope' }), code('BAD_REQUEST'));
    await w.orch.requestProvision('h1', { workflow: 'wf2', reason: 'cluster c1' });
    const h1 = w.store.get('hosts', 'h1')!;
    assert.equal(h1.state, 'provisioning');
    assert.equal(h1.workflow, 'wf2');
    const started = (await w.store.events({ subject: 'h1' })).find((e) => e.type === 'provision.requested')!;
    assert.equal((started.data as { reason?: string }).reason, 'requested: cluster c1');
    assert.match(await w.script(MAC1), /\/checkpoint\/[A-Za-z0-9_-]+\/52:54:00:00:00:01\/b2/, 'the script is the override\'s boot');

    await w.orch.requestProvision('h2', { workflow: 'wf2' });
    assert.equal(w.store.get('hosts', 'h2')!.state, 'inactive');
    assert.match(w.orch.waiting().get('h2')!, /max_concurrent 1 of wf2 reached/);
    assert.ok(isWait(await w.script(MAC2), /max_concurrent 1 of wf2 reached/));
  } finally {
    await w.close();
  }
});

test('an override on an auto site whose SoT gives the host a workflow is refused: the SoT would undo it', async () => {
  const w = await oneOwnerWorld({ 'workflows/wf2.yml': 'id: wf2\nworkflow:\n  - boot: b1\n' });
  try {
    await assert.rejects(w.orch.requestProvision('h1', { workflow: 'wf2' }), code('CONFLICT'));
    await w.orch.requestProvision('h1', { workflow: 'wf' }); // its own workflow: a plain request
    assert.equal(w.store.get('hosts', 'h1')!.state, 'provisioning');
  } finally {
    await w.close();
  }
});
