// The boot services never wait for anything else on the event loop: while the API serves several
// unpaged GET /v1/hosts of a 10,000-host SoT at once and the SoT reloads with a 50 MB file in it,
// a DHCP client (a relay on loopback, unprivileged ports) is answered promptly, every time.
//
// DHCP runs in its own worker thread with its own lease store (src/boot/dhcp-thread.ts), and the
// client measuring it runs in another (dhcp-probe-worker.ts): the main thread's stalls (printed:
// the hosts list's chunks, garbage collection of a heap holding a 50 MB SoT, the orchestrator)
// are in neither. What remains is the CPU and the disk shared with everything else (2 cores; the
// lease fsync before each ACK). Measured 2026-12-07 at load average 5-7 from other work: p50
// 3-9 ms, p95 28-76 ms, max 92-270 ms; on the quiet machine: p50 1.6-1.8 ms, max 28-47 ms. Asserted: every exchange answered, p95 of all messages under
// 100 ms (the goal), none over 1 s.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROBE_HOSTS, probeMac, writeProbeSubnet } from '../../bench/assets-probe.js';
import { generateSot } from '../../bench/sot-gen.js';
import { startAppliance, type Appliance } from '../../src/appliance.js';
import type { Worker } from 'node:worker_threads';
import { nullLogger } from '../../src/lib/log.js';
import { startWorker } from '../../src/lib/start-worker.js';

const LO = '127.0.0.1';

/** The bench SoT (10,000 on-demand hosts, no BMCs) plus a loopback subnet with 20 hosts on it. */
function writeSot(dir: string): void {
  generateSot(dir, 10_000, { mode: 'on-demand', bmc: false });
  writeProbeSubnet(dir);
}

/** One 50 MB cluster file: 500 hosts, each with ~100 KB of inventory metadata. */
function bigFile(): string {
  const parts: string[] = ['id: inventory\n'];
  const line = (h: number, k: number) => `      - dimm-${h}-${k}-serial-0123456789abcdef-0123456789\n`;
  for (let h = 0; h < 500; h++) {
    let inv = '';
    for (let k = 0; k < 2000; k++) inv += line(h, k);
    const mac = `52:54:ff:00:${(h >> 8).toString(16).padStart(2, '0')}:${(h & 255).toString(16).padStart(2, '0')}`;
    parts.push(`---\nname: inv-${h}\ninterfaces:\n  - mac: "${mac}"\n    subnet: prov\n    ipv4: 10.0.${100 + (h >> 8)}.${h & 255}\nworkflow: wf\nmetadata:\n  inventory:\n${inv}`);
  }
  return parts.join('');
}

/** The DHCP client thread (dhcp-probe-worker.ts): its first message is its relay port. */
async function probeThread(): Promise<{ port: number; w: Worker; next: () => Promise<ProbeMessage> }> {
  const w = startWorker(import.meta.url, 'dhcp-probe-worker', { workerData: { hosts: PROBE_HOSTS, macOf: probeMac(0).replace(/00$/, 'XX'), min: 20, max: 400 } });
  const queue: ProbeMessage[] = [];
  const waiters: ((m: ProbeMessage) => void)[] = [];
  w.on('message', (m: ProbeMessage) => (waiters.length ? waiters.shift()!(m) : queue.push(m)));
  w.on('error', (e) => (waiters.length ? waiters.shift()!({ error: e.message }) : queue.push({ error: e.message })));
  const next = () => new Promise<ProbeMessage>((r) => (queue.length ? r(queue.shift()!) : waiters.push(r)));
  const first = await next();
  assert.ok(first.port, JSON.stringify(first));
  return { port: first.port, w, next };
}

interface ProbeMessage {
  port?: number;
  offers?: number[];
  acks?: number[];
  error?: string;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

test('DHCP is answered promptly while the API serves 10,000 hosts and the SoT reloads a 50 MB file', { timeout: 600_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'corral-iso-'));
  const sotDir = join(root, 'sot');
  writeSot(sotDir);
  const probe = await probeThread();
  let app: Appliance | undefined;
  try {
    app = await startAppliance(
      {
        sotDir,
        dataDir: join(root, 'data'),
        apiHost: LO,
        apiPort: 0,
        watch: false,
        boot: { address: LO, httpPort: 0, tftpPort: 0, dhcpPort: 0, dhcpClientPort: 0, proxyPort: 0, dhcpRelayPort: probe.port, dhcp: true, tftp: false, http: false },
      },
      { log: nullLogger },
    );
    const dhcp = app.boot!.status().dhcp;
    assert.equal(dhcp.state, 'running', JSON.stringify(dhcp));
    const dhcpPort = Number((dhcp as { address: string }).address.split(':')[1]);
    assert.ok(dhcpPort > 0);
    probe.w.postMessage({ dhcpPort, once: true }); // warm-up: first lease write, JIT
    const warm = await probe.next();
    assert.equal(warm.error, undefined, warm.error);
    // Written before the measurement (an editor would be another process; this one is the appliance).
    await writeFile(join(sotDir, 'sites/site0/inventory.yml'), bigFile());

    const api = `http://${LO}:${app.apiAddress.port}/v1/hosts`;
    let loading = true;
    let apiCalls = 0;
    let apiMaxMs = 0;
    const apiLoop = async () => {
      while (loading) {
        const t = performance.now();
        const res = await fetch(api);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        apiMaxMs = Math.max(apiMaxMs, performance.now() - t);
        apiCalls++;
      }
    };
    const apiLoad = [apiLoop(), apiLoop(), apiLoop()];
    // Main-thread stalls (a 5 ms timer firing late), printed to tell what delayed a reply.
    const stalls: string[] = [];
    const t0 = performance.now();
    let lastTick = t0;
    const meter = setInterval(() => {
      const n = performance.now();
      if (n - lastTick > 60) stalls.push(`${(n - lastTick).toFixed(0)}ms@${(lastTick - t0).toFixed(0)}`);
      lastTick = n;
    }, 5);
    const reloadStart = performance.now();
    let reloadMs = 0;
    const reload = app.sot.reload().then((ok) => {
      reloadMs = performance.now() - reloadStart;
      return ok;
    });

    // 20 exchanges at least, and on until the reload is in (bounded: 400), from the probe thread.
    probe.w.postMessage({ dhcpPort });
    await reload.catch(() => undefined);
    probe.w.postMessage({ stop: true });
    const got = await probe.next();
    assert.equal(got.error, undefined, got.error);
    const offers = got.offers!;
    const acks = got.acks!;
    assert.equal(await reload, true, JSON.stringify(app.sot.status().lastAttempt?.problems.slice(0, 3)));
    loading = false;
    clearInterval(meter);
    await Promise.all(apiLoad);
    assert.equal(app.sot.current()!.hosts.length, 10_000 + PROBE_HOSTS + 500);

    const all = [...offers, ...acks];
    const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} p95 ${pct(xs, 95).toFixed(1)} max ${Math.max(...xs).toFixed(1)} ms`;
    console.log(`# ${offers.length} exchanges during the load; reload ${reloadMs.toFixed(0)} ms; ${apiCalls} GET /v1/hosts (slowest ${apiMaxMs.toFixed(0)} ms)`);
    console.log(`# DISCOVER->OFFER ${fmt(offers)}; REQUEST->ACK ${fmt(acks)}; all ${fmt(all)}`);
    console.log(`# slow (>40 ms) exchanges (index:offer/ack): ${offers.map((o, i) => [i, o, acks[i]!] as const).filter(([, o, a]) => o > 40 || a > 40).map(([i, o, a]) => `${i}:${o.toFixed(0)}/${a.toFixed(0)}`).join(" ") || "none"}`);
    console.log(`# main-thread stalls > 60 ms: ${stalls.join(' ') || 'none'}`);
    assert.ok(apiCalls >= 3, `the API was loaded (${apiCalls} requests)`);
    assert.ok(offers.length >= 20, `${offers.length} exchanges`);
    assert.ok(pct(all, 95) < 100, `p95 ${pct(all, 95).toFixed(1)} ms`);
    assert.ok(Math.max(...all) < 1000, `max ${Math.max(...all).toFixed(1)} ms`);
  } finally {
    await app?.stop();
    await probe.w.terminate();
    rmSync(root, { recursive: true, force: true });
  }
});
