// The pure parts of vNext servers (seed 002): type ids from hardware facts, task progress
// rules, and what a task's end does to the holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Allocation, Host } from '../../src/model/index.js';
import { serverTypeId } from '../../src/servers/server-types.js';
import { finish, newTask, observe } from '../../src/servers/task-rules.js';
import { followUp } from '../../src/servers/follow-up.js';
import { tagList, tagMap, virtState } from '../../src/servers/views.js';

const G = 2 ** 30;
const host = (hw: Partial<Host['hardware']>) => ({ hardware: { disks: [], arch: 'x86_64', firmware: 'bios', ...hw } }) as unknown as Host;

test('server type ids: cores, memory, disks together; arch and GPUs when they differ', () => {
  assert.equal(serverTypeId(host({ cpuCores: 8, memoryBytes: 64 * G, disks: [{ sizeBytes: 250 * G }, { sizeBytes: 250 * G }] as Host['hardware']['disks'] })), 'c8-m64g-d500g');
  assert.equal(serverTypeId(host({ cpuCores: 64, memoryBytes: 1024 * G, disks: [{ sizeBytes: 2048 * G }] as Host['hardware']['disks'], arch: 'arm64', gpus: 4 })), 'c64-m1t-d2t-arm64-gpu4');
  assert.equal(serverTypeId(host({ memoryBytes: 64 * G })), undefined, 'unknown cores: no type');
});

test('a run task counts the goal only after its run was seen; failed aborts; items follow stages', () => {
  const t0 = newTask({ id: 't', action: 'REBUILD', serverId: 's', hostId: 'h', owner: 'dev', project: 'p', now: 0 });
  assert.equal(observe(t0, { state: 'active' }, 1), undefined, 'still the old run');
  const t1 = observe(t0, { state: 'provisioning', stage: 'dhcp' }, 2)!;
  assert.deepEqual(t1.items!.map((i) => i.state), ['RUNNING', 'WAITING']);
  const t2 = observe(t1, { state: 'provisioning', stage: 'installing' }, 3)!;
  assert.deepEqual(t2.items!.map((i) => i.state), ['COMPLETED', 'RUNNING']);
  assert.equal(observe(t2, { state: 'active' }, 4)!.state, 'COMPLETED');
  const failed = observe(t2, { state: 'failed', error: 'boom' }, 4)!;
  assert.equal(failed.state, 'ABORTED');
  assert.match(failed.message!, /boom/);
  assert.equal(observe(failed, { state: 'active' }, 5), undefined, 'an ended task does not move');
  const timedOut = finish(t1, 'TIMED_OUT', 9);
  assert.deepEqual(timedOut.items!.map((i) => i.state), ['TIMED_OUT', 'WAITING']);
  assert.equal(timedOut.deadline, undefined);
});

test('follow-ups: TERMINATE releases; MOVE swaps and wipes the old machine, or gives the target back', () => {
  const a = (host: string, pending?: 'move'): Allocation => ({ id: `s:${host}`, hostId: host, kind: 'server', serverId: 's', tags: {}, createdAt: 0, lifetime: 0, ...(pending && { pending }) });
  const allocs = [a('h1'), a('h2', 'move'), { ...a('h3'), serverId: 'other', id: 'other:h3' }];
  const term = finish(newTask({ id: 't', action: 'TERMINATE', serverId: 's', hostId: 'h1', owner: 'd', project: 'p', now: 0 }), 'COMPLETED', 1);
  assert.deepEqual(followUp(term, allocs).del, ['s:h1', 's:h2']);
  const move = newTask({ id: 'm', action: 'MOVE', serverId: 's', hostId: 'h2', fromHostId: 'h1', owner: 'd', project: 'p', now: 0 });
  const done = followUp(finish(move, 'COMPLETED', 1), allocs);
  assert.deepEqual(done, { del: ['s:h1'], put: [a('h2')], reclaim: ['h1'] });
  assert.deepEqual(followUp(finish(move, 'ABORTED', 1), allocs), { del: ['s:h2'], put: [], reclaim: ['h2'] });
  assert.deepEqual(followUp(finish(term, 'ABORTED', 1), allocs), { del: [], put: [], reclaim: [] });
});

test('tags as a list and a map; virt_state from the machine and the task', () => {
  assert.deepEqual(tagMap(['a=1', 'b', 'c=x=y']), { a: '1', b: '', c: 'x=y' });
  assert.deepEqual(tagList({ a: '1', b: '' }), ['a=1', 'b']);
  assert.equal(virtState({ state: 'active', power: 'off' } as never, undefined), 'STOPPED');
  assert.equal(virtState({ state: 'inactive', power: 'on' } as never, { action: 'CREATE' } as never), 'BUILDING');
  assert.equal(virtState({ state: 'reclaiming', power: 'on' } as never, { action: 'TERMINATE' } as never), 'TERMINATED');
});
