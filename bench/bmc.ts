// BMC benchmark: N power-status calls spread over K simulated BMCs (OpenIPMI ipmi_sim via
// ../shared/harness/bmc-sim.sh, chassis mode; status needs no VM, so no lab namespace), once
// through the registry (parallel across BMCs, one at a time per BMC, global limit) and once as
// plain sequential ipmitool runs. Prints both times and the speed-up. Needs root, ipmitool, ipmi_sim.
//
// ipmi_sim on loopback answers in microseconds, so on a small machine both runs are CPU-bound
// (ipmitool, ipmi_sim and the chassis script's bash) and the ratio says little. Real BMCs are
// slow to answer (tens to hundreds of ms per RMCP+ round trip); --delay-ms puts a UDP relay in
// front of each simulator that holds every datagram that long in each direction.
//
//   node --import tsx bench/bmc.ts [--bmcs 8] [--calls 64] [--limit 16] [--base-port 9700] [--delay-ms 20]

import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBmcRegistry, type BmcRef } from '../src/bmc/registry.js';
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
// Clients talk to the relay (basePort + 100 + i) when there is a delay, else to the simulator.
const clientPort = (i: number) => (delayMs > 0 ? basePort + 100 : basePort) + (i % bmcs);
const run = promisify(execFile);
const HARNESS = join(new URL('..', import.meta.url).pathname, '../shared/harness');
const state = mkdtempSync(join(tmpdir(), 'corral-bench-bmc-'));
const env = { ...process.env, LAB_STATE: state, LAB_NS: `cbench${process.pid}` };
const names = Array.from({ length: bmcs }, (_, i) => `bench${process.pid}-${i}`);

function sim(cmd: 'start' | 'stop', i: number): void {
  const args = cmd === 'start' ? ['start', '--name', names[i]!, '--port', String(basePort + i), '--mac', `52:54:00:78:00:${(i + 16).toString(16)}`] : ['stop', '--name', names[i]!];
  const r = spawnSync(join(HARNESS, 'bmc-sim.sh'), args, { env, encoding: 'utf8', timeout: 30_000 });
  if (cmd === 'start' && r.status !== 0) throw new Error(`bmc-sim.sh start failed: ${r.stderr}`);
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
  target: { hostId: `h${i}`, address: '127.0.0.1', port: clientPort(i), username: 'admin', password: 'password', cipherSuite: 3, firmware: 'bios' },
});

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (bmc-sim.sh)');
  const relays: Socket[] = [];
  try {
    for (let i = 0; i < bmcs; i++) sim('start', i);
    if (delayMs > 0) for (let i = 0; i < bmcs; i++) relays.push(relay(clientPort(i), basePort + i));
    const registry = createBmcRegistry({ clock: systemClock, log: nullLogger, maxConcurrent: limit });
    await registry.powerStatus(refFor(0)); // warm-up (ipmitool binary and IANA registry in page cache)

    let t0 = performance.now();
    const results = await Promise.all(Array.from({ length: calls }, (_, i) => registry.powerStatus(refFor(i))));
    const parallelMs = performance.now() - t0;
    if (results.some((r) => r !== 'off')) throw new Error(`unexpected status: ${results.join(',')}`);

    t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      const port = String(clientPort(i));
      // One after another, but without blocking the event loop (the relays live in it).
      await run('ipmitool', ['-I', 'lanplus', '-H', '127.0.0.1', '-p', port, '-U', 'admin', '-E', '-C', '3', 'chassis', 'power', 'status'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', IPMI_PASSWORD: 'password' },
      });
    }
    const sequentialMs = performance.now() - t0;
    console.log(`${calls} power-status calls over ${bmcs} ipmi_sim BMCs (registry limit ${limit}, +${delayMs} ms each way per datagram)`);
    console.log(`  registry (parallel per BMC): ${parallelMs.toFixed(0)} ms  (${(parallelMs / calls).toFixed(1)} ms/call)`);
    console.log(`  sequential ipmitool:         ${sequentialMs.toFixed(0)} ms  (${(sequentialMs / calls).toFixed(1)} ms/call)`);
    console.log(`  speed-up: ${(sequentialMs / parallelMs).toFixed(1)}x`);
  } finally {
    relays.forEach((r) => r.close());
    for (let i = 0; i < bmcs; i++) sim('stop', i);
    rmSync(state, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
