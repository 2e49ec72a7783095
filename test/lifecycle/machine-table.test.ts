// The state machine's handler table (machine.ts): which state takes which event, and the state
// written in one place. Complements machine.test.ts's rows with the whole (state, event) grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TABLE, transition, type LifecycleEvent } from '../../src/lifecycle/machine.js';
import { BUSY_STATES, isBusy } from '../../src/lifecycle/states.js';
import type { HostRuntime, LifecycleState } from '../../src/model/index.js';
import { isApplianceError } from '../../src/model/index.js';

const STATES: LifecycleState[] = ['discovered', 'inactive', 'provisioning', 'active', 'failed', 'reclaiming', 'maintenance'];
const EVENTS: LifecycleEvent[] = [
  { type: 'provision.requested', workflow: 'wf', boots: 1 },
  { type: 'reclaim.requested', workflow: 'wipe', boots: 1 },
  { type: 'boot.override', bootIndex: 0, boot: 'b1' },
  { type: 'maintenance.enter' },
  { type: 'maintenance.exit' },
  { type: 'deprovision' },
  { type: 'power.acked', action: 'cycle' },
  { type: 'timeout', stage: 'power' },
  { type: 'ipxe.served' },
];

const host = (state: LifecycleState): HostRuntime => ({ id: 'h', state, stage: isBusy(state) ? 'power' : undefined, bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, bootsTotal: 1, since: 0, updatedAt: 0 }) as HostRuntime;

/** Where each event is legal; every other state refuses it. */
const LEGAL: Partial<Record<LifecycleEvent['type'], LifecycleState[]>> = {
  'provision.requested': ['discovered', 'inactive', 'active', 'failed'],
  'reclaim.requested': ['discovered', 'inactive', 'active', 'failed'],
  'boot.override': ['provisioning', 'reclaiming'],
  'maintenance.exit': ['maintenance'],
  deprovision: ['discovered', 'inactive', 'active', 'failed', 'maintenance'],
};

test('every state has a row; each event is legal exactly where the lifecycle says', () => {
  assert.deepEqual(Object.keys(TABLE).sort(), [...STATES].sort());
  for (const state of STATES) {
    for (const e of EVENTS) {
      const legal = LEGAL[e.type] ?? STATES;
      const run = () => transition(host(state), e, 5);
      if (legal.includes(state)) assert.doesNotThrow(run, `${state} + ${e.type}`);
      else assert.throws(run, (x: unknown) => isApplianceError(x) && x.code === 'ILLEGAL_TRANSITION', `${state} + ${e.type}`);
    }
  }
});

test('since moves with the state: a step that keeps it keeps since (boot starts and re-entries aside)', () => {
  for (const state of STATES) {
    for (const e of EVENTS) {
      let t;
      try {
        t = transition(host(state), e, 5);
      } catch {
        continue;
      }
      if (t.host.state !== state) assert.equal(t.host.since, 5, `${state} + ${e.type}`);
      else if (!t.effects.some((x) => x.kind === 'bootPxe') && e.type !== 'maintenance.enter' && e.type !== 'deprovision') assert.equal(t.host.since, 0, `${state} + ${e.type}`);
    }
  }
});

test('busy is defined once: provisioning and reclaiming', () => {
  assert.deepEqual([...BUSY_STATES], ['provisioning', 'reclaiming']);
  assert.deepEqual(STATES.filter((s) => isBusy(s)), ['provisioning', 'reclaiming']);
  assert.equal(isBusy(undefined), false);
});
