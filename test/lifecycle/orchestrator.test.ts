// The orchestrator plans only when something it plans with has changed: an idle site costs
// nothing per tick, and any event, request or SoT load makes it plan again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rolesWorld } from '../api/roles-world.js';

test('an unchanged world is not planned again; an event, a request or a new SoT is', async () => {
  const w = await rolesWorld();
  try {
    const first = await w.orchestrator.reconcile();
    assert.ok(first);
    assert.equal(await w.orchestrator.reconcile(), first, 'nothing changed: the same plan, not a new one');
    await w.store.transact((tx) => tx.event({ subject: 'n1', type: 'note' }));
    const afterEvent = await w.orchestrator.reconcile();
    assert.notEqual(afterEvent, first, 'a journal event: planned again');
    await w.orchestrator.requestProvision('n4');
    assert.equal(w.store.get('hosts', 'n4')!.state, 'provisioning', 'the request is planned and started');
    await w.live.reload();
    assert.ok(await w.orchestrator.reconcile());
  } finally {
    w.cleanup();
  }
});
