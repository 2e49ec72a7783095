// Table-driven: (state, event) -> (state', stage', effects), including illegal pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootAttemptOf, transition, DEFAULT_POLICY, type LifecycleEvent } from '../../src/lifecycle/machine.js';
import type { HostRuntime } from '../../src/model/index.js';
import { ApplianceError } from '../../src/model/index.js';

const T0 = 1_000_000;

function host(over: Partial<HostRuntime> = {}): HostRuntime {
  return { id: 'h1', state: 'inactive', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: 0, updatedAt: 0, ...over };
}

const prov = (over: Partial<HostRuntime> = {}) => host({ state: 'provisioning', workflow: 'wf', bootsTotal: 1, stage: 'power', ...over });

interface Row {
  name: string;
  from: HostRuntime;
  event: LifecycleEvent;
  state: HostRuntime['state'];
  stage?: HostRuntime['stage'] | null;
  effects?: string[];
  check?: (h: HostRuntime) => void;
}

const effectNames = (effects: { kind: string; action?: string; stage?: string; what?: string }[]) =>
  effects.map((e) => [e.kind, e.action ?? e.stage ?? e.what].filter(Boolean).join(':'));

const rows: Row[] = [
  {
    name: 'inactive + provision -> provisioning/power, pxe once + cycle + timer',
    from: host(),
    event: { type: 'provision.requested', workflow: 'wf', boots: 1, fingerprint: 'fp1' },
    state: 'provisioning',
    stage: 'power',
    effects: ['bootPxe', 'power:cycle', 'setTimer:power'],
    check: (h) => {
      assert.equal(h.desiredFingerprint, 'fp1');
      assert.equal(h.deadline, T0 + DEFAULT_POLICY.stageTimeoutMs.power);
    },
  },
  { name: 'active + provision (re-provision)', from: host({ state: 'active' }), event: { type: 'provision.requested', workflow: 'wf', boots: 1 }, state: 'provisioning', stage: 'power' },
  { name: 'failed + provision clears the error', from: host({ state: 'failed', lastError: 'x' }), event: { type: 'provision.requested', workflow: 'wf', boots: 1 }, state: 'provisioning', check: (h) => assert.equal(h.lastError, undefined) },
  { name: 'power acked -> dhcp', from: prov(), event: { type: 'power.acked', action: 'cycle' }, state: 'provisioning', stage: 'dhcp', effects: ['setTimer:dhcp'] },
  { name: 'dhcp ack -> stage dhcp records ip', from: prov({ stage: 'power' }), event: { type: 'dhcp.acked', ip: '10.0.0.5' }, state: 'provisioning', stage: 'dhcp', check: (h) => assert.equal(h.lastIp, '10.0.0.5') },
  { name: 'tftp sent -> firmware', from: prov({ stage: 'dhcp' }), event: { type: 'tftp.sent', file: 'undionly.kpxe' }, state: 'provisioning', stage: 'firmware' },
  { name: 'ipxe script -> ipxe (firmware skipped for iPXE ROMs)', from: prov({ stage: 'dhcp' }), event: { type: 'ipxe.served' }, state: 'provisioning', stage: 'ipxe' },
  { name: 'kernel fetched -> kernel', from: prov({ stage: 'ipxe' }), event: { type: 'kernel.fetched' }, state: 'provisioning', stage: 'kernel' },
  { name: 'unattended served -> installing', from: prov({ stage: 'kernel' }), event: { type: 'unattended.served' }, state: 'provisioning', stage: 'installing' },
  { name: 'a late DHCP (iPXE re-DHCP) never moves back', from: prov({ stage: 'ipxe' }), event: { type: 'dhcp.acked' }, state: 'provisioning', stage: 'ipxe', effects: [] },
  {
    name: 'last checkpoint -> active, fingerprint applied',
    from: prov({ stage: 'installing', desiredFingerprint: 'fp2' }),
    event: { type: 'checkpoint', boot: 'b1' },
    state: 'active',
    stage: null,
    effects: ['clearTimer', 'notify:active'],
    check: (h) => assert.equal(h.appliedFingerprint, 'fp2'),
  },
  {
    name: 'checkpoint 1 of 2 -> checkpoint stage',
    from: prov({ stage: 'installing', checkpointsPerBoot: [2] }),
    event: { type: 'checkpoint', boot: 'b1', n: 1 },
    state: 'provisioning',
    stage: 'checkpoint',
    check: (h) => assert.equal(h.checkpoint, 1),
  },
  {
    name: 'end of boot 1 of 2 -> next boot: pxe + cycle',
    from: prov({ stage: 'installing', bootsTotal: 2 }),
    event: { type: 'checkpoint', boot: 'b1' },
    state: 'provisioning',
    stage: 'power',
    effects: ['bootPxe', 'power:cycle', 'setTimer:power'],
    check: (h) => assert.equal(h.bootIndex, 1),
  },
  {
    name: 'timeout retries with a power cycle',
    from: prov({ stage: 'dhcp' }),
    event: { type: 'timeout', stage: 'dhcp' },
    state: 'provisioning',
    stage: 'power',
    effects: ['bootPxe', 'power:cycle', 'setTimer:power'],
    check: (h) => {
      assert.equal(h.attempts, 1);
      assert.match(h.lastError!, /no progress within 180 s at stage dhcp/);
    },
  },
  {
    name: 'timeout after the last attempt -> failed',
    from: prov({ stage: 'kernel', attempts: DEFAULT_POLICY.maxAttempts - 1 }),
    event: { type: 'timeout', stage: 'kernel' },
    state: 'failed',
    effects: ['clearTimer', 'notify:failed'],
    check: (h) => assert.match(h.lastError!, /gave up after 3 attempts/),
  },
  { name: 'stale timeout of an earlier stage is ignored', from: prov({ stage: 'kernel' }), event: { type: 'timeout', stage: 'dhcp' }, state: 'provisioning', stage: 'kernel', effects: [] },
  { name: 'power failure -> failed', from: prov(), event: { type: 'power.failed', reason: 'BMC unreachable' }, state: 'failed', check: (h) => assert.match(h.lastError!, /BMC unreachable/) },
  { name: 'boot steps of an active host are journal-only', from: host({ state: 'active' }), event: { type: 'ipxe.served' }, state: 'active', effects: [] },
  { name: 'reclaim -> reclaiming, then checkpoint -> inactive', from: host({ state: 'active', appliedFingerprint: 'x' }), event: { type: 'reclaim.requested', workflow: 'wipe', boots: 1 }, state: 'reclaiming', stage: 'power' },
  {
    name: 'reclaim done -> inactive',
    from: host({ state: 'reclaiming', stage: 'installing', bootsTotal: 1, appliedFingerprint: 'x' }),
    event: { type: 'checkpoint', boot: 'wipe' },
    state: 'inactive',
    effects: ['clearTimer', 'notify:reclaimed'],
    check: (h) => assert.equal(h.appliedFingerprint, undefined),
  },
  { name: 'maintenance from provisioning stops timers', from: prov(), event: { type: 'maintenance.enter', reason: 'disk swap' }, state: 'maintenance', stage: null, effects: ['clearTimer'] },
  { name: 'maintenance exit -> active when installed', from: host({ state: 'maintenance', appliedFingerprint: 'fp' }), event: { type: 'maintenance.exit' }, state: 'active' },
  { name: 'maintenance exit -> inactive otherwise', from: host({ state: 'maintenance' }), event: { type: 'maintenance.exit' }, state: 'inactive' },
  { name: 'deprovision active -> inactive', from: host({ state: 'active', appliedFingerprint: 'x' }), event: { type: 'deprovision' }, state: 'inactive' },
];

for (const r of rows) {
  test(`transition: ${r.name}`, () => {
    const before = structuredClone(r.from);
    const { host: h, effects } = transition(r.from, r.event, T0);
    assert.deepEqual(r.from, before, 'input must not be mutated');
    assert.equal(h.state, r.state);
    if (r.stage !== undefined) assert.equal(h.stage, r.stage ?? undefined);
    if (r.effects) assert.deepEqual(effectNames(effects), r.effects);
    assert.equal(h.updatedAt, T0);
    r.check?.(h);
  });
}

const illegalRows: [string, HostRuntime, LifecycleEvent][] = [
  ['provision while provisioning', prov(), { type: 'provision.requested', workflow: 'wf', boots: 1 }],
  ['provision in maintenance', host({ state: 'maintenance' }), { type: 'provision.requested', workflow: 'wf', boots: 1 }],
  ['reclaim while reclaiming', host({ state: 'reclaiming', stage: 'dhcp' }), { type: 'reclaim.requested', workflow: 'w', boots: 1 }],
  ['maintenance exit when not in maintenance', host({ state: 'active' }), { type: 'maintenance.exit' }],
  ['deprovision while provisioning', prov(), { type: 'deprovision' }],
];

for (const [name, from, event] of illegalRows) {
  test(`illegal: ${name}`, () => {
    assert.throws(() => transition(from, event, T0), (e: unknown) => e instanceof ApplianceError && e.code === 'ILLEGAL_TRANSITION');
  });
}

// Refused checkpoints throw, so the runner's transaction (host record and journal entry) is dropped.
const refusedCheckpoints: [string, HostRuntime, LifecycleEvent, string][] = [
  ['checkpoint of an older attempt', prov({ stage: 'installing', runStartedAt: 5, bootAttempt: 2 }), { type: 'checkpoint', boot: 'b1', attempt: '5.1' }, 'stale_attempt'],
  ['checkpoint of an older run', prov({ stage: 'installing', runStartedAt: 9, bootAttempt: 2 }), { type: 'checkpoint', boot: 'b1', attempt: '5.2' }, 'stale_attempt'],
  ['checkpoint already counted', prov({ stage: 'checkpoint', checkpoint: 1, checkpointsPerBoot: [3] }), { type: 'checkpoint', boot: 'b1', n: 1 }, 'repeat'],
  ['checkpoint skipping ahead', prov({ stage: 'installing', checkpointsPerBoot: [3] }), { type: 'checkpoint', boot: 'b1', n: 3 }, 'out_of_sequence'],
  ['checkpoint of an inactive host', host(), { type: 'checkpoint', boot: 'b1' }, 'not_busy'],
  ['checkpoint of an active host (the forged "active" of an idle machine)', host({ state: 'active' }), { type: 'checkpoint', boot: 'b1', n: 999 }, 'out_of_sequence'],
  ['checkpoint of a failed host', host({ state: 'failed' }), { type: 'checkpoint', boot: 'b1' }, 'not_busy'],
  ['discovery checkpoint beyond the boot\'s count', host({ state: 'discovered', checkpoint: 1 }), { type: 'checkpoint', boot: 'inv', checkpoints: 1 }, 'out_of_sequence'],
];

for (const [name, from, event, reason] of refusedCheckpoints) {
  test(`refused: ${name}`, () => {
    assert.throws(
      () => transition(from, event, T0),
      (e: unknown) => e instanceof ApplianceError && e.code === 'ILLEGAL_TRANSITION' && e.details?.reason === reason,
    );
  });
}

test('every boot start is a new attempt; the run start time names the run', () => {
  let h = host({ bootAttempt: 7 });
  const attempts: string[] = [];
  const step = (e: LifecycleEvent, at: number) => {
    h = transition(h, e, at).host;
    attempts.push(bootAttemptOf(h));
  };
  step({ type: 'provision.requested', workflow: 'wf', boots: 2, checkpoints: [1, 1] }, 100);
  step({ type: 'power.acked', action: 'cycle' }, 101);
  step({ type: 'timeout', stage: 'dhcp' }, 102);
  step({ type: 'checkpoint', boot: 'b1', attempt: bootAttemptOf(h) }, 103);
  step({ type: 'checkpoint', boot: 'b2', attempt: bootAttemptOf(h) }, 104);
  assert.deepEqual(attempts, ['100.8', '100.8', '100.9', '100.10', '100.10'], 'start, retry, second boot; steps keep it');
  assert.equal(h.state, 'active');
  // The next run: a new start time, and the serial goes on.
  step({ type: 'reclaim.requested', workflow: 'wipe', boots: 1 }, 200);
  assert.equal(attempts.at(-1), '200.11');
});

test('a machine found already booting starts the run\'s first attempt without a power cycle', () => {
  const { host: h, effects } = transition(host(), { type: 'provision.requested', workflow: 'wf', boots: 1, alreadyBooting: true }, T0);
  assert.equal(bootAttemptOf(h), `${T0}.1`);
  assert.deepEqual(effectNames(effects), ['setTimer:dhcp']);
});

test('a re-created host record never repeats an attempt of the old one', () => {
  const old = transition(host(), { type: 'provision.requested', workflow: 'wf', boots: 1 }, T0).host;
  const fresh = transition(host(), { type: 'provision.requested', workflow: 'wf', boots: 1 }, T0 + 1).host;
  assert.equal(old.bootAttempt, fresh.bootAttempt);
  assert.notEqual(bootAttemptOf(old), bootAttemptOf(fresh));
});

test('a checkpoint of the current attempt counts once, in order', () => {
  let h = prov({ stage: 'installing', checkpointsPerBoot: [2], runStartedAt: 50, bootAttempt: 3 });
  h = transition(h, { type: 'checkpoint', boot: 'b1', n: 1, attempt: '50.3' }, T0).host;
  assert.equal(h.checkpoint, 1);
  assert.equal(h.stage, 'checkpoint');
  h = transition(h, { type: 'checkpoint', boot: 'b1', attempt: '50.3' }, T0 + 1).host;
  assert.equal(h.state, 'active');
  assert.equal(h.checkpoint, 2);
});

test('a discovered machine counts its discovery checkpoints and stays discovered', () => {
  const d = host({ state: 'discovered', since: 42 });
  const { host: h, effects } = transition(d, { type: 'checkpoint', boot: 'inv', n: 1, attempt: bootAttemptOf(d), checkpoints: 2 }, T0);
  assert.equal(h.state, 'discovered');
  assert.equal(h.checkpoint, 1);
  assert.deepEqual(effects, []);
  assert.equal(bootAttemptOf(d), '42.0');
});

test('a whole BIOS boot: provision -> ... -> active in order', () => {
  let h = host();
  const steps: LifecycleEvent[] = [
    { type: 'provision.requested', workflow: 'wf', boots: 1 },
    { type: 'power.acked', action: 'cycle' },
    { type: 'dhcp.acked', ip: '10.77.0.11' },
    { type: 'tftp.sent', file: 'undionly.kpxe' },
    { type: 'dhcp.acked', ip: '10.77.0.11' },
    { type: 'ipxe.served' },
    { type: 'kernel.fetched' },
    { type: 'checkpoint', boot: 'b1' },
  ];
  const stages: (string | undefined)[] = [];
  steps.forEach((e, i) => {
    h = transition(h, e, T0 + i).host;
    stages.push(h.stage);
  });
  assert.deepEqual(stages, ['power', 'dhcp', 'dhcp', 'firmware', 'firmware', 'ipxe', 'kernel', undefined]);
  assert.equal(h.state, 'active');
});

test("boot.override restarts a running workflow at another boot as a new attempt; refused outside a run or out of range", () => {
  const from = prov({ bootsTotal: 3, bootIndex: 2, stage: 'kernel', attempts: 1, bootAttempt: 4 });
  const t = transition(from, { type: 'boot.override', bootIndex: 1, boot: 'b2' }, T0);
  assert.equal(t.host.state, 'provisioning');
  assert.equal(t.host.stage, 'power');
  assert.equal(t.host.bootIndex, 1);
  assert.equal(t.host.attempts, 0);
  assert.equal(t.host.bootAttempt, 5);
  assert.deepEqual(effectNames(t.effects), ['bootPxe', 'power:cycle', 'setTimer:power']);
  assert.throws(() => transition(host({ state: 'active' }), { type: 'boot.override', bootIndex: 0, boot: 'b1' }, T0), ApplianceError);
  assert.throws(() => transition(from, { type: 'boot.override', bootIndex: 3, boot: 'b4' }, T0), ApplianceError);
});
