// A boot storm in Corral's lab, end to end: one `corral lab up` with 8 QEMU machines (7 BIOS:
// SeaBIOS + iPXE ROM; 1 UEFI: OVMF's PXE client then snponly.efi) behind their IPMI and Redfish
// BMCs, all powered on by Corral at once (auto site), while 200 simulated hosts in the same SoT
// (bench/storm/lab.ts: the machines of bench/storm.ts, on a second subnet behind a relay agent in
// the lab's namespace; 10 % through a PXE ROM and TFTP first) each DHCP, fetch their iPXE script,
// a kernel and a 64 MiB initrd, and call their checkpoint. Every VM and every simulated host must
// reach its callback (host state and journal through the API); the test prints the storm's time,
// the DHCP latency a relay-agent probe measured during it (bench/assets-probe.ts), and the
// aggregate asset throughput.
//
// Why 8 machines: the CPU is the limit, not memory. On this 2-core machine under TCG (each VM is
// one busy TCG thread) one BIOS VM boots to its callback in ~18 s alone, 8 at once in 55-65 s,
// and 8 beside the 200 downloaders in 95-135 s; their QEMU processes peak at ~1.8 GiB resident
// of 23 GB. The whole test takes ~3 min. With 12 (CORRAL_STORM_VMS=12) the storm still completes,
// but it took 271 s: TCG threads share two cores, so every boot stretches, and two VMs' first
// network boots never reached Corral's DHCP (iPXE's timeouts run on the starved guest's clock)
// and were booted again after the 180 s DHCP stage timeout — past the ~8 min budget once lab up
// and teardown are added, and a retry is likelier still with more VMs.
// Needs root (namespaces, taps, port 67), QEMU, OVMF, ipmi_sim, openssl; skips saying why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { api, labDown, labUp, labWhyNot, ROOT, sh, waitFor, type Lab } from './lab-helpers.js';
import { STORM_FILES, writeLabStormSot, type LabStormClients, type LabStormProbe } from '../../bench/storm/lab.js';
import { STORM_SITE } from '../../bench/storm-sot.js';

const skip = labWhyNot();
const LAB: Lab = { name: 'corral-e2s', dir: '/tmp/corral-e2s-lab', api: 'http://127.0.0.1:18290' };
// CORRAL_STORM_VMS: another machine count, to measure what a machine allows (see the header).
const VMS = Number(process.env.CORRAL_STORM_VMS ?? 8);
const UEFI = 1;
const CLIENTS = 200;
const INITRD_MIB = 64;
const KERNEL_MIB = 4;
const ASSET_SERVER = process.env.CORRAL_STORM_ASSET_SERVER ?? 'auto';
const VM_NAMES = Array.from({ length: VMS }, (_, i) => `lab-n${i + 1}`);

let sotDir: string | undefined;
const runners: ChildProcess[] = [];
const t0 = Date.now();

before(() => {
  if (skip) return;
  labDown(LAB);
});

after(() => {
  if (skip) return;
  for (const p of runners) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  // CORRAL_STORM_DEBUG=<folder>: the lab's logs and consoles are copied there before it goes.
  if (process.env.CORRAL_STORM_DEBUG && existsSync(LAB.dir)) {
    for (const f of ['corral.log', 'lab.log', 'console']) if (existsSync(join(LAB.dir, f))) cpSync(join(LAB.dir, f), join(process.env.CORRAL_STORM_DEBUG, f), { recursive: true });
  }
  labDown(LAB);
  if (sotDir) rmSync(sotDir, { recursive: true, force: true });
});

/** bench/storm/lab.ts in the lab's namespace; its JSON lines as they come. */
function startRunner(args: string[], prefix: string[] = []): { proc: ChildProcess; next: (key: string, ms: number) => Promise<any> } {
  const p = spawn('ip', ['netns', 'exec', LAB.name, ...prefix, process.execPath, '--import', 'tsx', join(ROOT, 'bench/storm/lab.ts'), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  runners.push(p);
  const lines = new Map<string, unknown>();
  const waiters = new Map<string, (v: unknown) => void>();
  let err = '';
  p.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  createInterface({ input: p.stdout! }).on('line', (l) => {
    try {
      for (const [k, v] of Object.entries(JSON.parse(l) as Record<string, unknown>)) {
        lines.set(k, v);
        waiters.get(k)?.(v);
      }
    } catch {
      /* not a result line */
    }
  });
  const next = (key: string, ms: number) =>
    lines.has(key)
      ? Promise.resolve(lines.get(key))
      : new Promise((resolve, reject) => {
          const settle = (fn: () => void) => {
            clearTimeout(t);
            p.off('exit', onExit);
            waiters.delete(key);
            fn();
          };
          const t = setTimeout(() => settle(() => reject(new Error(`no "${key}" from bench/storm/lab.ts ${args.join(' ')} within ${ms / 1000} s; stderr: ${err}`))), ms);
          // stdout's last lines may follow the exit event: give them a turn first.
          const onExit = () => setImmediate(() => !lines.has(key) && settle(() => reject(new Error(`bench/storm/lab.ts ${args.join(' ')} exited (${p.exitCode ?? p.signalCode}) before "${key}"; stderr: ${err}`))));
          p.on('exit', onExit);
          waiters.set(key, (v) => settle(() => resolve(v)));
        });
  return { proc: p, next };
}

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;

test(`boot storm: ${VMS} lab VMs and ${CLIENTS} simulated hosts pulling a ${INITRD_MIB} MiB initrd all reach their callback`, { skip, timeout: 8 * 60_000 }, async (t) => {
  sotDir = mkdtempSync(join(tmpdir(), 'corral-e2s-sot-'));
  writeLabStormSot(sotDir, { hosts: CLIENTS, tftpShare: 0.1, server: '10.77.0.1', httpPort: 8080 });
  // No storm limit below the storm: every machine, VM or simulated, boots at once. The assets
  // come from nginx where it is installed (--asset-server auto, what a site facing storms runs),
  // else from Corral itself; CORRAL_STORM_ASSET_SERVER=builtin|nginx picks one to compare.
  labUp(LAB, ['--hosts', String(VMS), '--uefi', String(UEFI), '--sot', sotDir, '--timeout', '120', '--', '--storm-limit', String(VMS + CLIENTS + 50), '--asset-server', ASSET_SERVER]);
  const up = Date.now();
  // One budget for the whole storm (it takes 2-2.5 min here; a VM that needs a second boot after
  // the 180 s DHCP stage timeout adds ~3.5 min and still fits).
  const deadline = up + 6.5 * 60_000;
  const left = () => Math.max(1000, deadline - Date.now());
  // The storm's assets, in the lab's files folder (lab up makes it afresh).
  mkdirSync(join(LAB.dir, 'files', STORM_FILES), { recursive: true });
  writeFileSync(join(LAB.dir, 'files', STORM_FILES, 'vmlinuz'), randomBytes(KERNEL_MIB * 2 ** 20));
  writeFileSync(join(LAB.dir, 'files', STORM_FILES, 'initrd.img'), randomBytes(INITRD_MIB * 2 ** 20));
  // The probe first, at nice -5 (Corral's DHCP worker runs at -5 too): it stands for a client on
  // another machine, so waiting for a CPU that 8 TCG VMs and the 200 downloaders keep busy must
  // not be part of what it measures.
  // Peak memory of the lab's QEMU processes during the storm (sampled; a figure, not a wait).
  let peakQemuKiB = 0;
  const sampler = setInterval(() => {
    let kib = 0;
    for (const pid of sh(`ip netns pids ${LAB.name}`).stdout.split(/\s+/).filter(Boolean)) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('qemu')) kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        /* exited meanwhile */
      }
    }
    peakQemuKiB = Math.max(peakQemuKiB, kib);
  }, 2000);
  t.after(() => clearInterval(sampler));
  const prober = startRunner(['--probe', '--cap-s', '410'], ['nice', '-n', '-5']);
  await prober.next('probing', 60_000);
  const clients = (await startRunner(['--hosts', String(CLIENTS), '--cap-s', '410']).next('clients', left())) as LabStormClients;
  assert.deepEqual(clients.notDone, [], `simulated hosts that did not reach their callback: ${JSON.stringify(clients.failures)}`);
  assert.equal(clients.completed, CLIENTS);

  // Every host, VM and simulated, is active in Corral: the callbacks were taken, not just answered.
  // A host that failed (its BMC refused, its attempts ran out) ends the wait at once.
  const ids = [...VM_NAMES, ...Array.from({ length: CLIENTS }, (_, i) => `storm-${String(i).padStart(5, '0')}`)];
  const settled = await waitFor('every lab VM and simulated host active', async () => {
    const list = [...((await api(LAB, `/hosts?site=${STORM_SITE}`)) as any[]), ...((await api(LAB, '/hosts?site=corral-lab')) as any[])];
    const state = (id: string) => list.find((h) => h.id === id)?.lifecycle_state;
    const failed = list.filter((h) => ids.includes(h.id) && h.lifecycle_state === 'failed').map((h) => `${h.id}: ${h.stage} ${h.last_error}`);
    if (failed.length) return { list, failed };
    return ids.every((id) => state(id) === 'active') ? { list, failed } : undefined;
  }, left(), 1000);
  assert.deepEqual(settled.failed, [], 'hosts that failed');
  const hosts = settled.list;
  clearInterval(sampler);
  prober.proc.stdin!.end();
  const probe = (await prober.next('probe', 30_000)) as LabStormProbe;

  const stormEnds: number[] = [];
  let stormStart = clients.startedAt;
  const vmBoot: number[] = [];
  const vmLines: string[] = [];
  for (const name of VM_NAMES) {
    const events = (await api(LAB, `/hosts/${name}/events`)) as any[];
    const types = events.map((e) => e.type);
    for (const ty of ['power.acked', 'dhcp.acked', 'ipxe.served', 'kernel.fetched']) assert.ok(types.includes(ty), `${name}: ${ty} missing from ${types.join(', ')}`);
    assert.equal(types.filter((x) => x === 'checkpoint').length, 2, `${name}: both installer checkpoints`);
    const requested = Date.parse(events.find((e) => e.type === 'provision.requested').at);
    const done = Date.parse(events.filter((e) => e.type === 'checkpoint').at(-1).at);
    stormStart = Math.min(stormStart, requested);
    stormEnds.push(done);
    vmBoot.push(done - requested);
    // A stage timeout means Corral power-cycled the VM and booted it again: say where and why.
    const retries = events.filter((e) => e.type === 'timeout' || e.type === 'provision.retry' || e.type === 'boot.retry');
    vmLines.push(`    ${name} ${name === VM_NAMES.at(-1) && UEFI ? 'uefi' : 'bios'}: ${((done - requested) / 1000).toFixed(1)} s${retries.length ? `; ${retries.map((e) => `${e.type} ${JSON.stringify(e.data ?? {})}`).join(', ')}` : ''}`);
  }
  for (const h of hosts.filter((x: { id: string }) => x.id.startsWith('storm-'))) {
    const events = (await api(LAB, `/hosts/${h.id}/events`)) as any[];
    const types = events.map((e) => e.type);
    assert.ok(types.includes('ipxe.served') && types.includes('kernel.fetched') && types.includes('checkpoint'), `${h.id}: ${types.join(', ')}`);
    stormEnds.push(Date.parse(events.filter((e) => e.type === 'checkpoint').at(-1).at));
  }
  const stormMs = Math.max(...stormEnds) - stormStart;
  const services = await api(LAB, '/services');

  const lines = [
    `boot storm in the lab: ${VMS} VMs (${VMS - UEFI} BIOS, ${UEFI} UEFI, TCG) + ${CLIENTS} simulated hosts (${KERNEL_MIB} MiB kernel + ${INITRD_MIB} MiB initrd each), all at their callback`,
    `  storm: first provision request -> last callback ${(stormMs / 1000).toFixed(1)} s; VMs provision request -> 2nd checkpoint min ${(Math.min(...vmBoot) / 1000).toFixed(1)} / max ${(Math.max(...vmBoot) / 1000).toFixed(1)} s`,
    `  simulated hosts: first boot -> last callback ${((clients.lastDoneAt - clients.startedAt) / 1000).toFixed(1)} s; DORA p50/p95/max ${fmt(clients.steps.dhcp!.p50)} / ${fmt(clients.steps.dhcp!.p95)} / ${fmt(clients.steps.dhcp!.max)}; initrd p50/p95/max ${fmt(clients.steps.initrd!.p50)} / ${fmt(clients.steps.initrd!.p95)} / ${fmt(clients.steps.initrd!.max)}`,
    `  assets: ${(clients.assets.bytes / 2 ** 30).toFixed(2)} GiB in ${clients.assets.downloads} downloads over ${((clients.assets.lastEnd - clients.assets.firstStart) / 1000).toFixed(1)} s = ${clients.assets.mibPerS.toFixed(0)} MiB/s aggregate (asset server ${JSON.stringify(services.http?.stats?.assets?.server ?? services.http?.stats?.assets?.mode ?? '?')})`,
    `  DHCP during the storm (relay probe, DISCOVER->ACK every 100 ms): p50 ${fmt(probe.dhcp.p50)} p95 ${fmt(probe.dhcp.p95)} max ${fmt(probe.dhcp.max)} (${probe.dhcp.n} exchanges, ${probe.dhcpLost} lost); API /v1/health p50 ${fmt(probe.api.p50)} p95 ${fmt(probe.api.p95)}`,
    `  the same probe after the storm: DHCP p50 ${fmt(probe.after.dhcp.p50)} p95 ${fmt(probe.after.dhcp.p95)} max ${fmt(probe.after.dhcp.max)}; API p50 ${fmt(probe.after.api.p50)}`,
    `  lab VMs: peak resident memory of all QEMU processes ${(peakQemuKiB / 1024).toFixed(0)} MiB; boot time, provision request -> 2nd checkpoint:`,
    ...vmLines,
    `  test: lab up ${((up - t0) / 1000).toFixed(1)} s, total so far ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  ];
  for (const l of lines) t.diagnostic(l);
  process.stdout.write(`${lines.join('\n')}\n`);
  assert.ok(probe.dhcp.n > 0, 'the DHCP probe got answers during the storm');
});
