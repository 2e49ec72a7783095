// Corral's DHCP server for bench/dhcp.sh, which starts it inside its private lab namespace: one
// site with discovery enabled over $POOL_START-$POOL_END (so perfdhcp's random MACs are served) on
// the subnet of $LAB_SERVER_IP/$LAB_PREFIX, listening on bridge $LAB_BR, and a REAL durable store
// in a temp dir (under $DHCP_BENCH_TMP if set): every ACK is fsynced (group commit) before it is
// sent. Runs until SIGTERM/SIGINT, then prints its stats on stderr. `--check` only loads the
// modules (warms the tsx cache before timed runs).
// Run (from the repository root): node --import tsx bench/dhcp-server.ts
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { liveDhcpBackend } from '../src/boot/dhcp-backend.js';
import { createDhcpThread } from '../src/boot/dhcp-thread.js';
import { createDhcpServer } from '../src/dhcp/server.js';
import { systemClock } from '../src/lib/clock.js';
import { formatIpv4, parseCidr } from '../src/lib/ip.js';
import { createLogger, type LogLevel } from '../src/lib/log.js';
import { createLifecycle } from '../src/lifecycle/runner.js';
import type { Site, Sot, Subnet } from '../src/model/index.js';
import { openStore } from '../src/store/lowdb-store.js';

const SRC = { file: 'bench', line: 1, col: 1 };

function env(name: string, fallback?: string): string {
  const v = process.env[name] ?? fallback;
  if (v === undefined) {
    process.stderr.write(`${name} is not set\n`);
    process.exit(2);
  }
  return v;
}

function benchSot(serverIp: string, prefix: number, start: string, end: string): Sot {
  const cidr = parseCidr(`${serverIp}/${prefix}`)!;
  const subnet: Subnet = {
    id: 'perf', cidr: `${formatIpv4(cidr.network)}/${prefix}`, network: formatIpv4(cidr.network), prefix,
    netmask: formatIpv4(cidr.mask), dns: [serverIp], ntp: [], vlan: 1, leaseTime: 3600, dhcpOptions: [], metadata: {}, source: SRC,
  };
  const site: Site = {
    id: 'perf', name: 'perf', mode: 'on-demand', subnets: [subnet], metadata: {}, clusterIds: [], source: SRC,
    agents: [{ name: 'corral', assetServer: { scheme: 'http' }, dhcpMode: 'server', raw: {} }],
    discovery: { enabled: true, subnet: 'perf', range: { start, end } },
  };
  return { revision: 'bench', root: '', sites: [site], hosts: [], clusters: [], oses: [], boots: [], workflows: [], assets: [], roles: [], pools: [] };
}

/** The namespace's UDP counters (/proc/net/snmp): kernel-side drops (full receive buffer). */
function udpCounters(): Record<string, number> {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
    const out: Record<string, number> = {};
    names?.forEach((n, i) => {
      if (['InDatagrams', 'InErrors', 'RcvbufErrors', 'SndbufErrors', 'OutDatagrams'].includes(n)) out[n] = Number(values?.[i]);
    });
    return out;
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) return;
  const serverIp = env('LAB_SERVER_IP');
  const sot = benchSot(serverIp, Number(env('LAB_PREFIX', '24')), env('POOL_START'), env('POOL_END'));
  const log = createLogger({ level: (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'warn' });
  const dir = mkdtempSync(join(process.env.DHCP_BENCH_TMP ?? tmpdir(), 'corral-dhcp-bench-'));
  const store = await openStore({ dir, log });
  const lifecycle = createLifecycle({ store, clock: systemClock, log });
  let discovered = 0;
  const httpBase = `http://${serverIp}:8080`;
  // As the appliance runs it: DHCP in its worker thread with its own lease store (src/boot/dhcp-thread.ts);
  // DHCP_IN_THREAD=1 drives the library on this thread instead (the main store holds the leases).
  const config = { address: serverIp, interface: env('LAB_BR', 'br0'), httpBase, watchRogues: false };
  const server = process.env.DHCP_IN_THREAD === '1'
    ? createDhcpServer({
        backend: liveDhcpBackend({ sot: { current: () => sot, index: () => index }, store, lifecycle, onDiscovered: () => void discovered++ }),
        clock: systemClock, log,
        config: { ...config, scriptUrl: (mac) => `${httpBase}/ipxe?mac=${mac}` },
      })
    : createDhcpThread({
        sot: { current: () => sot, on: () => undefined, off: () => undefined },
        store,
        report: (hostId, event, data) => lifecycle.report(hostId, event, data),
        note: (subject, type, data) => lifecycle.note(subject, type, data),
        discovered: () => void discovered++,
        log, leasesDir: join(dir, 'dhcp-leases'), config, bootUrl: httpBase,
      });
  const index = { hostsById: new Map(), hostsByMac: new Map() }; // no listed hosts: every MAC is discovered
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const loopLagMs = { mean: +(lag.mean / 1e6).toFixed(1), p99: +(lag.percentile(99) / 1e6).toFixed(1), max: +(lag.max / 1e6).toFixed(1) };
    // Stopped first: the worker's last statistics arrive with its stop.
    void server.stop().finally(() => {
      process.stderr.write(`corral dhcp stats ${JSON.stringify({ ...server.stats(), discovered, loopLagMs, udp: udpCounters(), store: store.stats() })}\n`);
      rmSync(dir, { recursive: true, force: true }); // a throw-away store: no snapshot at close, so the next run starts at once
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await server.start();
  process.stderr.write(`corral dhcp serving ${env('POOL_START')}-${env('POOL_END')} on ${serverIp}, durable store ${dir}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`corral dhcp bench: ${String(e)}\n`);
  process.exit(1);
});
