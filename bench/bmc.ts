// BMC benchmark: N power-status calls spread over K simulated BMCs, once through the registry
// (parallel across BMCs, one at a time per BMC, global limit) and once as plain sequential
// ipmitool runs. Prints both times and the speed-up. Needs ipmitool, ipmi_sim (openipmi) and
// curl; not root.
//
// The BMCs are Corral's lab IPMI BMCs (src/lab/ipmi.ts): OpenIPMI's ipmi_sim on 127.0.0.1 whose
// chassis program relays to a lab control server (src/lab/control.ts) running in this process,
// over in-memory machines (a power status needs no VM). Every status therefore costs ipmitool,
// an RMCP+ session in ipmi_sim, and ipmi_sim's chassis program (sh + curl) calling back here.
// Because of that callback, nothing here may block the event loop while ipmitool runs: the
// sequential baseline awaits each run instead of using a synchronous spawn.
//
// ipmi_sim on loopback answers in microseconds, so on a small machine both runs are CPU-bound
// and the ratio says little. Real BMCs are slow to answer (tens to hundreds of ms per RMCP+
// round trip); --delay-ms puts a UDP relay in front of each simulator that holds every
// datagram that long in each direction.
//
//   node --import tsx bench/bmc.ts [--bmcs 8] [--calls 64] [--limit 16] [--base-port 9700] [--delay-ms 20]

import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBmcRegistry, type BmcRef } from '../src/bmc/registry.js';
import { startControl } from '../src/lab/control.js';
import { startIpmiBmc } from '../src/lab/ipmi.js';
import type { LabBootOverride, LabMachine } from '../src/lab/machine.js';
import { systemClock } from '../src/lib/clock.js';
import { nullLogger } from '../src/lib/log.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a whole number`);
  return v;
}

const bmcs = arg('bmcs', 8);
const calls = arg('calls', 64);
const limit = arg('limit', 16);
const basePort = arg('base-port', 9700);
const delayMs = arg('delay-ms', 20);
if (bmcs < 1) throw new Error('--bmcs needs at least 1');
// Clients talk to the relay (basePort + 100 + i) when there is a delay, else to the simulator.
const clientPort = (i: number) => (delayMs > 0 ? basePort + 100 : basePort) + (i % bmcs);
const run = promisify(execFile);
const USER = 'admin';
const PASS = 'bench-Secret-9q';
const names = Array.from({ length: bmcs }, (_, i) => `bench${i}`);

/** A machine that stays off: all a power status reads. Power operations are refused. */
class IdleMachine implements LabMachine {
  readonly uuid: string;
  readonly mac: string;
  readonly firmware = 'bios' as const;
  readonly memoryMiB = 512;
  constructor(readonly name: string, i: number) {
    this.uuid = `6f1c3e2a-9b4d-4c1e-8a7f-${i.toString(16).padStart(12, '0')}`;
    this.mac = `52:54:00:78:00:${(i % 256).toString(16).padStart(2, '0')}`;
  }
  powerState() {
    return 'Off' as const;
  }
  private refuse(): Promise<void> {
    return Promise.reject(new Error('the benchmark machines only report their power'));
  }
  powerOn() {
    return this.refuse();
  }
  powerOff() {
    return this.refuse();
  }
  shutdown() {
    return this.refuse();
  }
  reset() {
    return this.refuse();
  }
  bootOverride(): LabBootOverride | undefined {
    return undefined;
  }
  setBootOverride(): void {
    /* the benchmark only reads power */
  }
}

const ipmitoolArgs = (port: number) => ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(port), '-U', USER, '-E', '-C', '3', 'chassis', 'power', 'status'];
const ipmitoolEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', IPMI_PASSWORD: PASS };

/** Until ipmi_sim on `port` answers a power status (bounded), or its process has exited. */
async function waitReady(p: ChildProcess, port: number, dir: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (p.exitCode !== null || p.signalCode !== null) {
      const log = join(dir, 'ipmi_sim.log');
      throw new Error(`ipmi_sim on port ${port} exited: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    }
    try {
      await run('ipmitool', ['-N', '1', '-R', '1', ...ipmitoolArgs(port)], { env: ipmitoolEnv, timeout: 5000 });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`ipmi_sim on port ${port} did not answer within 15 s: ${(e as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once `p` has exited; SIGKILL if SIGTERM was not enough within 5 s. */
function stop(p: ChildProcess): Promise<void> {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** A UDP relay listen -> 127.0.0.1:upstream delaying each datagram by delayMs each way. */
function relay(listen: number, upstream: number): Socket {
  const front = createSocket('udp4');
  const backs = new Map<string, Socket>();
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let back = backs.get(key);
    if (!back) {
      const b = createSocket('udp4');
      b.on('message', (reply) => setTimeout(() => front.send(reply, from.port, from.address), delayMs));
      b.bind(0, '127.0.0.1');
      backs.set(key, b);
      back = b;
    }
    const out = back;
    setTimeout(() => out.send(msg, upstream, '127.0.0.1'), delayMs);
  });
  front.on('close', () => backs.forEach((b) => b.close()));
  front.bind(listen, '127.0.0.1');
  return front;
}

const refFor = (i: number): BmcRef => ({
  type: 'ipmi',
  target: { hostId: `h${i}`, address: '127.0.0.1', port: clientPort(i), username: USER, password: PASS, cipherSuite: 3, firmware: 'bios' },
});

async function main(): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), 'corral-bench-bmc-'));
  const relays: Socket[] = [];
  const sims: ChildProcess[] = [];
  let control: Server | undefined;
  try {
    const machines = new Map<string, LabMachine>(names.map((n, i) => [n, new IdleMachine(n, i)]));
    const controlSocket = join(state, 'control.sock');
    control = await startControl(controlSocket, { machines, consoleOf: (n) => join(state, `${n}.log`), log: () => undefined });
    const dirs = names.map((n) => join(state, n));
    for (const [i, n] of names.entries()) {
      sims.push(startIpmiBmc({ machine: n, port: basePort + i, username: USER, password: PASS, dir: dirs[i]!, controlSocket }));
    }
    await Promise.all(sims.map((p, i) => waitReady(p, basePort + i, dirs[i]!)));
    if (delayMs > 0) for (let i = 0; i < bmcs; i++) relays.push(relay(clientPort(i), basePort + i));
    const registry = createBmcRegistry({ clock: systemClock, log: nullLogger, maxConcurrent: limit });
    await registry.powerStatus(refFor(0)); // warm-up (ipmitool binary and IANA registry in page cache)

    let t0 = performance.now();
    const results = await Promise.all(Array.from({ length: calls }, (_, i) => registry.powerStatus(refFor(i))));
    const parallelMs = performance.now() - t0;
    if (results.some((r) => r !== 'off')) throw new Error(`unexpected status: ${results.join(',')}`);

    t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      // One after another, but awaited: the relays and the control server live in this event loop.
      const { stdout } = await run('ipmitool', ipmitoolArgs(clientPort(i)), { env: ipmitoolEnv, timeout: 30_000 });
      if (!/Chassis Power is off/.test(stdout)) throw new Error(`unexpected ipmitool answer: ${stdout}`);
    }
    const sequentialMs = performance.now() - t0;
    console.log(`${calls} power-status calls over ${bmcs} ipmi_sim BMCs (registry limit ${limit}, +${delayMs} ms each way per datagram)`);
    console.log(`  registry (parallel per BMC): ${parallelMs.toFixed(0)} ms  (${(parallelMs / calls).toFixed(1)} ms/call)`);
    console.log(`  sequential ipmitool:         ${sequentialMs.toFixed(0)} ms  (${(sequentialMs / calls).toFixed(1)} ms/call)`);
    console.log(`  speed-up: ${(sequentialMs / parallelMs).toFixed(1)}x`);
  } finally {
    relays.forEach((r) => r.close());
    await Promise.all(sims.map(stop));
    if (control) {
      const c = control;
      await new Promise<void>((resolve) => {
        c.close(() => resolve());
        c.closeAllConnections();
      });
    }
    rmSync(state, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
