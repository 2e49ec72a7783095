// In-process cost of one DORA without sockets: decode, respond, encode, lease write (real store).
// Run: node --import tsx bench/dhcp-micro.ts [N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDhcp, encodeDhcp } from '../src/dhcp/codec.js';
import { LeaseTable } from '../src/dhcp/leases.js';
import { classifyClient } from '../src/dhcp/pxe.js';
import { maxReplySize } from '../src/dhcp/reply.js';
import { isDrop, respond, type RespondContext } from '../src/dhcp/responder.js';
import { effectiveMode, selectSubnet } from '../src/dhcp/subnets.js';
import { systemClock } from '../src/lib/clock.js';
import { nullLogger } from '../src/lib/log.js';
import type { Mac, Site, Sot, Subnet } from '../src/model/index.js';
import { openStore } from '../src/store/lowdb-store.js';

const SRC = { file: 'bench', line: 1, col: 1 };
const subnet: Subnet = { id: 'p', cidr: '10.78.0.0/16', network: '10.78.0.0', prefix: 16, netmask: '255.255.0.0', dns: ['10.78.0.1'], ntp: [], vlan: 1, dhcpOptions: [], metadata: {}, source: SRC };
const site: Site = { id: 'p', name: 'p', mode: 'on-demand', subnets: [subnet], metadata: {}, clusterIds: [], source: SRC, agents: [], discovery: { enabled: true, subnet: 'p', range: { start: '10.78.1.0', end: '10.78.255.250' } } };
const sot: Sot = { revision: 'r', root: '', sites: [site], hosts: [], clusters: [], oses: [], boots: [], workflows: [], assets: [], roles: [], pools: [] };

function discover(i: number, type: number, requested?: string): Uint8Array {
  const chaddr = new Uint8Array(16);
  chaddr.set([0x02, 0, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255]);
  const options = new Map<number, Uint8Array>([[53, Uint8Array.of(type)], [55, Uint8Array.of(1, 3, 6, 15)]]);
  if (requested) {
    options.set(54, Uint8Array.of(10, 78, 0, 1));
    options.set(50, Uint8Array.from(requested.split('.').map(Number)));
  }
  const p = { op: 1 as const, htype: 1, hlen: 6, hops: 0, xid: i, secs: 0, flags: 0x8000, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr, sname: '', file: '', options };
  return encodeDhcp(p);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20000);
  const dir = mkdtempSync(join(tmpdir(), 'corral-dhcp-micro-'));
  const store = await openStore({ dir });
  const leases = new LeaseTable(store, systemClock, nullLogger);
  const server = { serverIp: '10.78.0.1', bootTarget: (m: Mac) => ({ tftpServer: '10.78.0.1', httpBase: 'http://10.78.0.1:8080', scriptUrl: `http://10.78.0.1:8080/ipxe?mac=${m}` }) };
  const handle = (bytes: Uint8Array): Promise<void> | string | undefined => {
    const req = decodeDhcp(bytes);
    const placed = selectSubnet(sot, req, '10.78.0.1');
    const ctx: RespondContext = { now: Date.now(), client: classifyClient(req), mode: effectiveMode(placed!.site, placed!.subnet), port: 67, site: placed?.site, subnet: placed?.subnet, known: undefined, leases, reservedFor: () => undefined, server };
    const o = respond(req, ctx);
    if (isDrop(o)) throw new Error(o.drop);
    encodeDhcp(o.reply!, { maxSize: maxReplySize(req) });
    const p = o.leaseChange ? leases.apply(o.leaseChange) : undefined;
    return p ?? o.reply!.yiaddr;
  };
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const ip = handle(discover(i, 1)) as string;
    const p = handle(discover(i, 3, ip));
    if (p instanceof Promise) pending.push(p);
    if (i % 500 === 499) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const ms = performance.now() - t0;
  console.log(`${n} DORAs in ${ms.toFixed(0)} ms: ${(n / (ms / 1000)).toFixed(0)} DORA/s, ${((ms * 1000) / n).toFixed(1)} us each; store ${JSON.stringify(store.stats())}`);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();
