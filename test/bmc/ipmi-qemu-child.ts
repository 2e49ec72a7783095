// The real-VM half of test/bmc/ipmi-sim.test.ts, run by that test as
//   ip netns exec <throwaway namespace> node --import tsx test/bmc/ipmi-qemu-child.ts <dir>
// A QEMU machine needs a tap device; creating one inside a namespace the test made (and deletes)
// leaves the host's network untouched. Here: a tap, a QemuMachine on it, the lab control server
// and ipmi_sim in this process, then the IPMI driver (real ipmitool) powers the machine on and
// off. Prints one JSON line of observations on stdout for the test to assert on; exits 1 with
// the reason on stderr if a step fails. Cleans up after itself either way.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIpmiDriver } from '../../src/bmc/ipmi.js';
import type { BmcTarget } from '../../src/bmc/types.js';
import type { LabMachine } from '../../src/lab/machine.js';
import { QemuMachine } from '../../src/lab/qemu.js';
import { startSimBmc, waitUntil, type SimBmc } from './ipmi-sim-lab.js';

const QEMU_NAME = 'qsim';
const QEMU_MAC = '52:54:00:77:00:55';
const TAP = 'ctap0';
const USER = 'admin';
const PASS = 'qemu-Secret-4d2';

/** Before any ipmi_sim of ours runs, so blocking here holds up nobody. */
function ipOrThrow(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** QEMU processes started by this process (QemuMachine spawns them as our children). */
function qemuChildren(): Array<{ pid: number; cmdline: string[] }> {
  const out: Array<{ pid: number; cmdline: string[] }> = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, ...
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (Number(after[1]) !== process.pid || !comm.startsWith('qemu-system')) continue;
      out.push({ pid: Number(d), cmdline: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      /* the process ended while being read */
    }
  }
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

async function main(dir: string): Promise<Record<string, unknown>> {
  ipOrThrow('link', 'set', 'lo', 'up');
  ipOrThrow('tuntap', 'add', 'dev', TAP, 'mode', 'tap');
  ipOrThrow('link', 'set', TAP, 'up');
  const consoleLog = join(dir, 'console.log');
  const machine = new QemuMachine({
    name: QEMU_NAME,
    mac: QEMU_MAC,
    uuid: '0d5b7c7e-3c1f-4e55-9a0e-77e1b1a5c0de',
    firmware: 'bios',
    memoryMiB: 128,
    tap: TAP,
    dir: join(dir, 'vm'),
    consoleLog,
    // TCG without /dev/kvm: power on only waits for QEMU's monitor, not for the guest.
    accel: existsSync('/dev/kvm') ? 'kvm' : 'tcg',
    diskMiB: 8,
  });
  let bmc: SimBmc | undefined;
  try {
    // The standard IPMI port: this namespace is the test's own, so nothing else holds it.
    bmc = await startSimBmc({ machine: QEMU_NAME, machines: new Map<string, LabMachine>([[QEMU_NAME, machine]]), dir, username: USER, password: PASS, port: 623 });
    const ipmi = createIpmiDriver();
    const t: BmcTarget = { hostId: QEMU_NAME, address: '127.0.0.1', port: bmc.port, username: USER, password: PASS, cipherSuite: 3, firmware: 'bios' };
    const seen: Record<string, unknown> = {};

    seen.statusBefore = await ipmi.powerStatus(t);
    seen.qemuBefore = qemuChildren().length;

    await ipmi.bootPxeOnce(t); // ipmitool chassis bootdev pxe
    await ipmi.power(t, 'on'); // ipmitool chassis power on
    seen.machineAfterOn = machine.powerState();
    const running = qemuChildren();
    seen.qemuAfterOn = running.length;
    const vm = running[0];
    if (!vm) throw new Error(`no QEMU process after power on (console: ${readFileSync(consoleLog, 'utf8')})`);
    seen.qemuPid = vm.pid;
    seen.qemuMac = vm.cmdline.find((a) => a.startsWith('e1000,'))?.match(/mac=([0-9a-f:]+)/)?.[1];
    // The one-time PXE override puts the NIC first in the firmware's boot order.
    seen.nicBootIndex = vm.cmdline.find((a) => a.startsWith('e1000,'))?.match(/bootindex=(\d+)/)?.[1];
    seen.tap = vm.cmdline.find((a) => a.startsWith('tap,'))?.match(/ifname=([^,]+)/)?.[1];
    seen.overrideAfterOn = machine.bootOverride() ?? null;
    seen.statusOn = await ipmi.powerStatus(t);

    await ipmi.power(t, 'off'); // ipmitool chassis power off
    await waitUntil(() => !alive(vm.pid), 10_000, `QEMU pid ${vm.pid} to exit after power off`);
    seen.qemuAliveAfterOff = alive(vm.pid);
    seen.qemuAfterOff = qemuChildren().length;
    seen.machineAfterOff = machine.powerState();
    seen.statusOff = await ipmi.powerStatus(t);
    seen.console = readFileSync(consoleLog, 'utf8').split('\n').filter((l) => l.startsWith('[corral lab]'));
    seen.relayed = bmc.relayed.filter((r) => r.startsWith('set'));
    return seen;
  } finally {
    await machine.powerOff().catch(() => undefined);
    await bmc?.close();
  }
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: ipmi-qemu-child.ts <dir>');
  process.exit(2);
}
// Exits explicitly: a handle left open by a failed step must not keep the test waiting.
main(dir).then(
  (seen) => process.stdout.write(`${JSON.stringify(seen)}\n`, () => process.exit(0)),
  (e: Error) => process.stderr.write(`${e.stack ?? e.message}\n`, () => process.exit(1)),
);
