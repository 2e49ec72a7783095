// vmpooler's disk and snapshot operations on a checked-out qemu pool VM, and their record in the
// store: a meta record "qemu:vm:<host>" tied to the check-out (its allocation id and time), so
// GET /vm/<hostname> lists what was added during this check-out and nothing from an earlier one.
// Additive: no collection or allocation field changes.
import { randomBytes } from 'node:crypto';
import { ApplianceError, type Allocation } from '../../model/index.js';
import type { Store } from '../../store/store.js';
import type { QemuProvider } from './provider.js';
import type { PoolVm } from './vm.js';

export interface VmRecord {
  kind: 'qemu-vm';
  hostId: string;
  hold: string;
  since: number;
  disks: { slot: number; sizeGb: number; at: number }[];
  snapshots: { id: string; at: number }[];
}

export const vmRecordKey = (hostId: string) => `qemu:vm:${hostId}`;

/** The record of check-out `a`, or undefined (none yet, or one from an earlier check-out). */
export function vmRecordOf(store: Pick<Store, 'get'>, a: Allocation): VmRecord | undefined {
  const r = store.get('meta', vmRecordKey(a.hostId)) as VmRecord | undefined;
  return r && r.kind === 'qemu-vm' && r.hold === a.id && r.since === a.createdAt ? r : undefined;
}

/** vmpooler's 32-character snapshot ids: [a-z0-9], also safe as a QEMU snapshot tag. */
export function snapshotId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(32)].map((b) => alphabet[b % 36]).join('');
}

export interface OpDeps {
  store: Store;
  now: () => number;
  provider: QemuProvider;
}

async function runningVm(d: OpDeps, a: Allocation): Promise<PoolVm> {
  const vm = await d.provider.vm(a.hostId);
  if (!vm) throw new ApplianceError('NOT_FOUND', `${a.hostId} is not a VM of a qemu pool`);
  if (vm.powerState() !== 'On') throw new ApplianceError('CONFLICT', `${a.hostId} is powered off`);
  return vm;
}

async function record(d: OpDeps, a: Allocation, change: (r: VmRecord) => VmRecord): Promise<void> {
  await d.store.transact((tx) => {
    const cur = tx.get('meta', vmRecordKey(a.hostId)) as VmRecord | undefined;
    const base: VmRecord = cur && cur.hold === a.id && cur.since === a.createdAt ? cur : { kind: 'qemu-vm', hostId: a.hostId, hold: a.id, since: a.createdAt, disks: [], snapshots: [] };
    tx.put('meta', vmRecordKey(a.hostId), change(base));
  });
}

const failed = (what: string, e: unknown) => new ApplianceError('UNAVAILABLE', `${what} failed: ${(e as Error).message}`);

/** Hot-adds a disk of `sizeGb` to check-out `a`'s VM and records it. */
export async function addDisk(d: OpDeps, a: Allocation, sizeGb: number): Promise<void> {
  const vm = await runningVm(d, a);
  const slot = await vm.addDisk(sizeGb).catch((e) => Promise.reject(failed('adding a disk', e)));
  await record(d, a, (r) => ({ ...r, disks: [...r.disks, { slot, sizeGb, at: d.now() }] }));
}

/** Takes a snapshot of check-out `a`'s VM; returns its id. */
export async function takeSnapshot(d: OpDeps, a: Allocation): Promise<string> {
  const vm = await runningVm(d, a);
  const id = snapshotId();
  await vm.snapshot(id).catch((e) => Promise.reject(failed('the snapshot', e)));
  await record(d, a, (r) => ({ ...r, snapshots: [...r.snapshots, { id, at: d.now() }] }));
  return id;
}

/** Reverts check-out `a`'s VM to one of this check-out's snapshots. */
export async function revertSnapshot(d: OpDeps, a: Allocation, id: string): Promise<void> {
  if (!vmRecordOf(d.store, a)?.snapshots.some((s) => s.id === id)) throw new ApplianceError('NOT_FOUND', `no snapshot "${id}" of ${a.hostId}`);
  const vm = await runningVm(d, a);
  await vm.revert(id).catch((e) => Promise.reject(failed('the revert', e)));
}
