// Rollout planning: which hosts start now, which wait and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout, autoReason } from '../../src/lifecycle/rollout.js';
import { desiredFingerprint } from '../../src/lifecycle/fingerprint.js';
import { desiredWorkflow, fingerprintIsFor } from '../../src/roles/assignment.js';
import type { HostRuntime, Sot } from '../../src/model/index.js';
import { BASE, loadFiles } from '../sot/helpers.js';

function hostsYaml(n: number, wf: string, prefix: string, macByte: number): string {
  return Array.from({ length: n }, (_, i) => `---\nname: ${prefix}${i}\ninterfaces:\n  - mac: 52:54:00:00:${macByte.toString(16).padStart(2, '0')}:${(i + 1).toString(16).padStart(2, '0')}\nworkflow: ${wf}\n`).join('');
}

const sotWith = (extra: Record<string, string>) => loadFiles({ ...BASE, ...extra });

const rt = (id: string, over: Partial<HostRuntime>): HostRuntime => ({ id, state: 'inactive', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: 0, updatedAt: 0, ...over });

test('auto site: new hosts start, bounded by the boot storm limit, in SoT order', async () => {
  const sot = await sotWith({ 'sites/s1/more.yml': hostsYaml(6, 'wf', 'm', 9) });
  const plan = planRollout({ sot, runtime: () => undefined, fingerprint: (h) => desiredFingerprint(sot, h), requested: [], stormLimit: 3 });
  assert.deepEqual(plan.start.map((s) => s.hostId), ['m0', 'm1', 'm2']);
  assert.ok(plan.waiting.every((w) => /boot storm limit 3/.test(w.reason)));
  assert.equal(plan.waiting.length, 5);
});

test('hosts already booting count against the storm limit; late stages do not', async () => {
  const sot = await sotWith({});
  const runtimes: Record<string, HostRuntime> = { h1: rt('h1', { state: 'provisioning', stage: 'dhcp', workflow: 'wf' }) };
  const plan = planRollout({ sot, runtime: (id) => runtimes[id], fingerprint: (h) => desiredFingerprint(sot, h), requested: [], stormLimit: 1 });
  assert.deepEqual(plan.start, []);
  runtimes.h1 = rt('h1', { state: 'provisioning', stage: 'installing', workflow: 'wf' });
  const plan2 = planRollout({ sot, runtime: (id) => runtimes[id], fingerprint: (h) => desiredFingerprint(sot, h), requested: [], stormLimit: 1 });
  assert.deepEqual(plan2.start.map((s) => s.hostId), ['h2']);
});

test('max_concurrent bounds a workflow; block_deps waits for min_standing', async () => {
  const sot = await sotWith({
    'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\ndeps: {max_concurrent: 1, min_standing: 1}\n',
    'workflows/wf2.yml': 'id: wf2\nworkflow:\n  - boot: b1\ndeps: {block_deps: [wf]}\n',
    'sites/s1/more.yml': hostsYaml(2, 'wf2', 'p', 9),
  });
  const fp = (h: Sot['hosts'][number]) => desiredFingerprint(sot, h);
  const runtimes: Record<string, HostRuntime> = {};
  let plan = planRollout({ sot, runtime: (id) => runtimes[id], fingerprint: fp, requested: [], stormLimit: 10 });
  assert.deepEqual(plan.start.map((s) => s.hostId), ['h1']);
  const why = new Map(plan.waiting.map((w) => [w.hostId, w.reason]));
  assert.match(why.get('h2')!, /max_concurrent 1 of wf reached/);
  assert.match(why.get('p0')!, /waiting for wf to have 1 active host/);
  const h1 = sot.hosts.find((h) => h.id === 'h1')!;
  runtimes.h1 = rt('h1', { state: 'active', appliedFingerprint: fp(h1), desiredFingerprint: fp(h1) });
  plan = planRollout({ sot, runtime: (id) => runtimes[id], fingerprint: fp, requested: [], stormLimit: 10 });
  assert.deepEqual(plan.start.map((s) => s.hostId).sort(), ['h2', 'p0', 'p1']);
});

test('max_fail halts the rollout of a workflow; an explicit request still goes', async () => {
  const sot = await sotWith({ 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\ndeps: {max_fail: 1}\n' });
  const fp = (h: Sot['hosts'][number]) => desiredFingerprint(sot, h);
  const runtimes: Record<string, HostRuntime> = { h1: rt('h1', { state: 'failed', desiredFingerprint: fp(sot.hosts[0]!) }) };
  const plan = planRollout({ sot, runtime: (id) => runtimes[id], fingerprint: fp, requested: [], stormLimit: 10 });
  assert.deepEqual(plan.halted, ['wf']);
  assert.deepEqual(plan.start, []);
  assert.match(plan.waiting[0]!.reason, /halted: max_fail 1 reached/);
  const asked = planRollout({ sot, runtime: (id) => runtimes[id], fingerprint: fp, requested: ['h2'], stormLimit: 10 });
  assert.deepEqual(asked.start.map((s) => s.hostId), ['h2']);
});

test('on-demand sites start nothing unless asked', async () => {
  const sot = await sotWith({ 'sites/s1/env.yml': BASE['sites/s1/env.yml']!.replace('mode: auto', 'mode: on-demand') });
  const fp = (h: Sot['hosts'][number]) => desiredFingerprint(sot, h);
  assert.deepEqual(planRollout({ sot, runtime: () => undefined, fingerprint: fp, requested: [], stormLimit: 10 }).start, []);
  assert.deepEqual(planRollout({ sot, runtime: () => undefined, fingerprint: fp, requested: ['h2'], stormLimit: 10 }).start.map((s) => s.hostId), ['h2']);
});

test('fingerprint: workflow/os changes re-provision, metadata changes do not', async () => {
  const a = await sotWith({});
  const meta = await sotWith({ 'sites/s1/rack.yml': BASE['sites/s1/rack.yml']!.replace('metadata: {row: 3}', 'metadata: {row: 4}') });
  const os = await sotWith({ 'os/os1.yml': BASE['os/os1.yml']!.replace('console: ttyS0', 'console: ttyS1') });
  const fp = (s: Sot) => desiredFingerprint(s, s.hosts[0]!);
  assert.equal(fp(a), fp(meta));
  assert.notEqual(fp(a), fp(os));
  const host = a.hosts[0]!;
  assert.equal(autoReason(host, rt('h1', { state: 'active', appliedFingerprint: fp(a) }), fp(a)), undefined);
  assert.match(autoReason(host, rt('h1', { state: 'active', appliedFingerprint: fp(a) }), fp(os))!, /changed/);
  assert.equal(autoReason(host, rt('h1', { state: 'failed', desiredFingerprint: fp(a) }), fp(a)), undefined, 'a failed host is not retried forever');
});

test('an API role assignment is a standing request in any site mode: started once, with its workflow and tagged fingerprint', async () => {
  const sot = await sotWith({
    'sites/s1/env.yml': BASE['sites/s1/env.yml']!.replace('mode: auto', 'mode: on-demand'),
    'workflows/wf2.yml': 'id: wf2\nworkflow:\n  - boot: b1\ndeps: {max_fail: 1}\n',
    'roles/web.yml': "name: web\nactive_version: '1'\nversions:\n  - {version: '1', workflow: wf2}\n",
  });
  const role = { name: 'web', version: '1' };
  const runtimes: Record<string, HostRuntime> = { h1: rt('h1', { role }), h2: rt('h2', { state: 'failed', desiredFingerprint: 'x', role: { name: 'web', version: '0' } }) };
  const input = {
    sot,
    runtime: (id: string) => runtimes[id],
    fingerprint: (h: Sot['hosts'][number], r: HostRuntime | undefined) => desiredFingerprint(sot, h, { assignment: r?.role }),
    workflow: (h: Sot['hosts'][number], r: HostRuntime | undefined) => desiredWorkflow(sot, h, r?.role),
    requested: [],
    stormLimit: 10,
  };
  const plan = planRollout(input);
  assert.deepEqual(plan.start.map((s) => [s.hostId, s.workflow, s.reason, s.role]), [['h1', 'wf2', 'role web 1 assigned', role]], 'a failed host is not retried by itself');
  assert.ok(fingerprintIsFor(plan.start[0]!.fingerprint, role));
  // Once the run started (its fingerprint stored), the assignment is no longer pending.
  runtimes.h1 = rt('h1', { role, state: 'active', desiredFingerprint: plan.start[0]!.fingerprint!, appliedFingerprint: plan.start[0]!.fingerprint! });
  assert.deepEqual(planRollout(input).start, []);
  // max_fail of wf2 reached (h2 failed with wf2's fingerprint): a new assignment still goes.
  runtimes.h2 = rt('h2', { state: 'failed', role, desiredFingerprint: desiredFingerprint(sot, sot.hosts[1]!, { assignment: role })! });
  runtimes.h1 = rt('h1', { role: { name: 'web', version: '1', settings: { a: 1 } } });
  const halted = planRollout(input);
  assert.deepEqual(halted.halted, ['wf2']);
  assert.deepEqual(halted.start.map((s) => s.hostId), ['h1']);
});
