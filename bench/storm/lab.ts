// The boot storm's simulated hosts against a running `corral lab` (test/e2e/storm.test.ts): the
// same scripted machines as bench/storm.ts (DHCP through a relay agent, [PXE ROM + TFTP], iPXE
// script, kernel, initrd, checkpoint), here in the lab's network namespace next to its QEMU
// machines, talking to the lab's real `corral serve` on the bridge address. Plus the DHCP latency
// probe of bench/assets-probe.ts, running for the whole storm.
//
// The hosts live in the lab's SoT (writeLabStormSot, passed to `corral lab up --sot`):
//   site "storm" (auto): subnet 127.1.0.0/16 behind the relay agent 127.1.0.1 (bench/storm-sot.ts's
//     addresses: every machine binds a loopback address of its own, so boot HTTP and TFTP tell them
//     apart), no BMC — Corral cannot power them, so each is provisioned "by hand" and waits for its
//     machine's network boot, which this runner starts at once for all of them;
//   site "storm-probe" (on-demand): the probe's hosts on 127.2.0.0/24 behind relay 127.2.0.1, so the
//     probe's exchanges provision nothing.
// Corral answers relay agents on port 67 only, so both relays bind <giaddr>:67 (root in the lab),
// with SO_REUSEADDR beside Corral's 0.0.0.0:67.
//
//   ip netns exec <lab> node --import tsx bench/storm/lab.ts [--hosts 200] [--server 10.77.0.1]
//      [--tftp-share 0.1] [--firmware-ms 0-2000] [--os-ms 200-1000] [--seed 1] [--cap-s 600]
//   ip netns exec <lab> node --import tsx bench/storm/lab.ts --probe [--server 10.77.0.1]
//      [--api http://127.0.0.1:8080] [--cap-s 600]
//
// Prints one JSON line {"clients": ...} once every machine finished its boot (or gave up) and
// exits. With --probe it runs the probe only (a process of its own, so the downloads' busy event
// loop is not in its round trips): {"probing": true} once it started, then it probes until its
// stdin ends (the caller closes it when the whole storm is over), 3 s more (the quiet
// appliance, for comparison), and prints {"probe": ...}. --cap-s bounds either.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { probe, probeMac, PROBE_HOSTS, relay as probeRelay } from '../assets-probe.js';
import { RELAY_IP, STORM_SITE, STORM_SUBNET, stormHost, type StormHost } from '../storm-sot.js';
import { MachineSim, Relay } from './machine.js';
import { parseRange, Samples, Sleeper } from './util.js';

export const PROBE_SITE = 'storm-probe';
export const PROBE_GIADDR = '127.2.0.1';
/** Where the storm's assets live under the lab's files folder (<dir>/files). */
export const STORM_FILES = 'storm';

export interface LabStormSotOptions {
  hosts: number;
  /** Share of hosts booting through a BIOS PXE ROM + TFTP first (bench/storm-sot.ts). */
  tftpShare: number;
  /** The lab's boot address and HTTP port (its sites' asset_server). */
  server: string;
  httpPort: number;
}

/** Writes the storm's and the probe's sites into a SoT folder; returns the storm hosts. */
export function writeLabStormSot(root: string, o: LabStormSotOptions): StormHost[] {
  const w = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const site = (id: string, mode: string, cidr: string, gateway: string) =>
    [`id: ${id}`, `name: Boot storm (${id})`, `mode: ${mode}`, 'subnets:', `  - id: ${id}`, `    cidr: ${cidr}`, `    gateway: ${gateway}`, `    dns: [${o.server}]`, '    lease_time: 2h',
      'agents:', `  - name: ${id}`, `    asset_server: {addr: ${o.server}, port: ${o.httpPort}, scheme: http}`, '    dhcp_mode: server', 'discovery:', '  enabled: false', ''].join('\n');
  const host = (name: string, mac: string, ip: string, subnet: string, firmware: string) =>
    ['---', `name: ${name}`, 'workflow: storm-wf', 'hardware:', '  cpu_cores: 16', '  memory: 64G', '  disks: [{size: 960G, type: nvme}]', `  firmware: ${firmware}`,
      'interfaces:', `  - {type: physical, mac: "${mac}", subnet: ${subnet}, identifier: eth0, ipv4: ${ip}}`, ''].join('\n');
  w(`sites/${STORM_SITE}/env.yml`, site(STORM_SITE, 'auto', STORM_SUBNET, RELAY_IP));
  const hosts: StormHost[] = [];
  let docs = 'id: machines\nmetadata: {owner: storm-test}\n';
  for (let i = 0; i < o.hosts; i++) {
    const h = stormHost(i, o.tftpShare);
    hosts.push(h);
    // No BMC interface: Corral provisions the host and waits for its machine to network-boot.
    docs += host(h.id, h.mac, h.ip, STORM_SITE, h.pxeRom ? 'bios' : 'uefi');
  }
  w(`sites/${STORM_SITE}/machines.yml`, docs);
  w(`sites/${PROBE_SITE}/env.yml`, site(PROBE_SITE, 'on-demand', '127.2.0.0/24', PROBE_GIADDR));
  let probes = 'id: probes\n';
  for (let i = 0; i < PROBE_HOSTS; i++) probes += host(`storm-probe-${i}`, probeMac(i), `127.2.0.${10 + i}`, PROBE_SITE, 'bios');
  w(`sites/${PROBE_SITE}/machines.yml`, probes);
  w('os/storm-os.yml', ['id: storm-os', 'name: Storm OS', 'boot:', `  kernel: "{{.env.agentURL}}/files/${STORM_FILES}/vmlinuz"`, `  initrd: ["{{.env.agentURL}}/files/${STORM_FILES}/initrd.img"]`,
    'cmdline:', '  - console: ttyS0', '  - cb: "{{ Checkpoint }}"', ''].join('\n'));
  // No unattended file: the simulated installer calls the checkpoint itself.
  w('boot/storm-boot.yml', 'id: storm-boot\nname: Storm boot\noperating_system: storm-os\n');
  w('workflows/storm-wf.yml', 'id: storm-wf\nworkflow:\n  - boot: storm-boot\n');
  return hosts;
}

const summary = (s: Samples) => ({ n: s.count, p50: s.p(0.5), p95: s.p(0.95), max: s.max() });
const samplesOf = (xs: readonly number[]) => {
  const s = new Samples();
  for (const x of xs) s.add(x);
  return s;
};

export interface LabStormClients {
  hosts: number;
  completed: number;
  /** Epoch ms: the first machine started, the last checkpoint answered. */
  startedAt: number;
  lastDoneAt: number;
  failures: Record<string, number>;
  notDone: { id: string; step?: string; reason?: string }[];
  steps: Record<string, { n: number; p50: number; p95: number; max: number }>;
  assets: { bytes: number; downloads: number; firstStart: number; lastEnd: number; mibPerS: number };
  relay: Relay['stats'];
}

export interface LabStormProbe {
  dhcp: { n: number; p50: number; p95: number; max: number };
  dhcpLost: number;
  api: { n: number; p50: number; p95: number; max: number };
  /** 3 s of the same probe after the storm. */
  after: { dhcp: LabStormProbe['dhcp']; api: LabStormProbe['dhcp'] };
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: { probe: { type: 'boolean' }, hosts: { type: 'string', default: '200' }, server: { type: 'string', default: '10.77.0.1' }, api: { type: 'string', default: 'http://127.0.0.1:8080' }, 'tftp-share': { type: 'string', default: '0.1' },
      'firmware-ms': { type: 'string', default: '0-2000' }, 'os-ms': { type: 'string', default: '200-1000' }, seed: { type: 'string', default: '1' }, 'cap-s': { type: 'string', default: '600' } },
    strict: true,
  });
  const server = v.server!;
  const capAt = Date.now() + Number(v['cap-s']) * 1000;
  if (v.probe) return probeMain(server, v.api!, capAt);
  const n = Number(v.hosts);
  const hosts = Array.from({ length: n }, (_, i) => stormHost(i, Number(v['tftp-share'])));
  const sleeper = new Sleeper();
  const relay = await Relay.open(RELAY_IP, 67, { address: server, port: 67 }, { reuseAddr: true });
  const sim = new MachineSim({ seed: Number(v.seed), hosts, relay, tftp: { address: server, port: 69 }, firmwareMs: parseRange(v['firmware-ms']!, '--firmware-ms'), osMs: parseRange(v['os-ms']!, '--os-ms'), httpTimeoutMs: 60_000, sleeper });
  const startedAt = Date.now();
  for (const h of hosts) sim.boot(h.id, true);
  // Every run ends (checkpoint answered, or a step gave up after its retries); the cap bounds it.
  while (sim.inProgress > 0 && Date.now() < capAt) await new Promise((r) => setTimeout(r, 200));
  const a = sim.assets;
  const clients: LabStormClients = {
    hosts: n,
    completed: sim.doneAt.size,
    startedAt,
    lastDoneAt: Math.max(0, ...sim.doneAt.values()),
    failures: Object.fromEntries(sim.counters.failures),
    notDone: hosts.filter((h) => !sim.doneAt.has(h.id)).map((h) => ({ id: h.id, ...sim.lastFailure.get(h.id) })),
    steps: Object.fromEntries([...sim.samples.by].map(([k, s]) => [k, summary(s)])),
    assets: { ...a, mibPerS: a.bytes / 2 ** 20 / ((a.lastEnd - a.firstStart) / 1000) },
    relay: { ...relay.stats },
  };
  process.stdout.write(`${JSON.stringify({ clients })}\n`);
  sleeper.stop();
  await relay.close();
}

/**
 * --probe: the DHCP and API probe alone, in a process of its own: the downloaders' busy event
 * loop would otherwise be part of every round trip it measures.
 */
async function probeMain(server: string, api: string, capAt: number): Promise<void> {
  const pr = await probeRelay({ giaddr: PROBE_GIADDR, port: 67, reuseAddr: true });
  let cap: NodeJS.Timeout | undefined;
  const stopped = new Promise<void>((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
    process.stdin.resume();
    cap = setTimeout(resolve, capAt - Date.now());
  });
  process.stdout.write(`${JSON.stringify({ probing: true })}\n`);
  const p = await probe(pr, { address: server, port: 67 }, api, stopped);
  clearTimeout(cap);
  // The same probe for 3 s once the storm is over: the quiet appliance, to compare with.
  const q = await probe(pr, { address: server, port: 67 }, api, new Promise((r) => setTimeout(r, 3000)));
  const result: LabStormProbe = { dhcp: summary(samplesOf(p.dhcp)), dhcpLost: p.dhcpLost, api: summary(samplesOf(p.api)), after: { dhcp: summary(samplesOf(q.dhcp)), api: summary(samplesOf(q.api)) } };
  process.stdout.write(`${JSON.stringify({ probe: result })}\n`);
  pr.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`storm clients: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
