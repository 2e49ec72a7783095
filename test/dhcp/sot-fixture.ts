// A small in-memory SoT for the DHCP service tests, and the context the server would build.
import { LeaseTable } from '../../src/dhcp/leases.js';
import { classifyClient } from '../../src/dhcp/pxe.js';
import { decodeDhcp } from '../../src/dhcp/codec.js';
import type { DhcpPacket } from '../../src/dhcp/packet.js';
import type { RespondContext, ServerConfig } from '../../src/dhcp/responder.js';
import { buildReservations, effectiveMode, selectSubnet } from '../../src/dhcp/subnets.js';
import { nullLogger } from '../../src/lib/log.js';
import { macToBytes, parseMac } from '../../src/lib/mac.js';
import type { DhcpMode, Host, Interface, Mac, Site, Sot, Subnet } from '../../src/model/index.js';
import { buildIndex } from '../../src/sot/live.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createMemoryStore, type MemoryStore } from '../fakes/memory-store.js';
import { loadFixture, type FixtureName } from './support.js';

const SRC = { file: 'test', line: 1, col: 1 };
export const SERVER_IP = '10.77.0.1';
export const HTTP = 'http://10.77.0.1:8080';

export function subnet(id: string, cidr: string, over: Partial<Subnet> = {}): Subnet {
  const [network, prefix] = cidr.split('/') as [string, string];
  const p = Number(prefix);
  const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
  const netmask = [mask >>> 24, (mask >>> 16) & 255, (mask >>> 8) & 255, mask & 255].join('.');
  return { id, cidr, network, prefix: p, netmask, dns: [], ntp: [], vlan: 1, dhcpOptions: [], metadata: {}, source: SRC, ...over };
}

export function site(id: string, subnets: Subnet[], over: Partial<Site> = {}): Site {
  return {
    id, name: id, mode: 'on-demand', subnets, metadata: {}, clusterIds: [], source: SRC,
    agents: [{ name: 'a', assetServer: { scheme: 'http' }, dhcpMode: 'server', raw: {} }],
    discovery: { enabled: false },
    ...over,
  };
}

export function host(name: string, siteId: string, iface: Partial<Interface>, over: Partial<Host> = {}): Host {
  return {
    id: name, name, siteId, clusterId: 'c', metadata: {}, neverProvision: false, labels: {}, tags: [], source: SRC,
    hardware: { disks: [], arch: 'x86_64', firmware: 'bios' },
    interfaces: [{ type: 'physical', ignoreDhcp: false, source: SRC, ...iface }],
    ...over,
  };
}

export function sotOf(sites: Site[], hosts: Host[]): Sot {
  return { revision: 'test', root: '/tmp', sites, hosts, clusters: [], oses: [], boots: [], workflows: [], assets: [], roles: [], pools: [] };
}

export const mac = (s: string): Mac => parseMac(s)!;

/** The lab of the tests: a local /24 and a relayed /24, hosts 01..05 (see each one). */
export function labSot(opts: { mode?: DhcpMode; discovery?: boolean; h1Ip?: string } = {}): Sot {
  const lab = subnet('lab', '10.77.0.0/24', {
    gateway: '10.77.0.254', dns: ['10.77.0.1'], ntp: ['10.77.0.1'], domain: 'pxelab.test', leaseTime: 7200,
    dhcpOptions: [{ option: 26, type: 'uint16', value: 1500 }, { option: 252, type: 'string', value: 'http://10.77.0.1/wpad.dat' }],
  });
  const remote = subnet('remote', '10.77.1.0/24', { gateway: '10.77.1.1', dns: ['10.77.0.1'] });
  const s = site('lab', [lab, remote], { discovery: { enabled: opts.discovery ?? false, subnet: 'lab', range: { start: '10.77.0.100', end: '10.77.0.110' } } });
  if (opts.mode) s.agents[0]!.dhcpMode = opts.mode;
  return sotOf([s], [
    host('h1', 'lab', { mac: mac('52:54:00:77:00:01'), ipv4: opts.h1Ip ?? '10.77.0.11' }), // BIOS iPXE ROM
    host('h2', 'lab', { mac: mac('52:54:00:77:00:02'), ipv4: '10.77.0.12', hostname: 'h2-pxe' }), // OVMF
    host('h3', 'lab', { mac: mac('52:54:00:77:00:03') }), // no ipv4: gets a range address
    host('np', 'lab', { mac: mac('52:54:00:77:00:04'), ipv4: '10.77.0.14' }, { neverProvision: true }),
    host('ign', 'lab', { mac: mac('52:54:00:77:00:05'), ipv4: '10.77.0.15', ignoreDhcp: true }),
  ]);
}

export const serverConfig: ServerConfig = {
  serverIp: SERVER_IP,
  bootTarget: (m) => ({ tftpServer: SERVER_IP, httpBase: HTTP, scriptUrl: `${HTTP}/ipxe/${m}` }),
};

export interface Bench {
  sot: Sot;
  clock: FakeClock;
  store: MemoryStore;
  leases: LeaseTable;
  ctx(req: DhcpPacket, over?: Partial<RespondContext>): RespondContext;
}

export function bench(sot: Sot = labSot()): Bench {
  const clock = new FakeClock();
  const store = createMemoryStore(clock);
  const leases = new LeaseTable(store, clock, nullLogger);
  const index = buildIndex(sot);
  const reservations = buildReservations(sot);
  return {
    sot, clock, store, leases,
    ctx(req, over = {}) {
      const placed = selectSubnet(sot, req, SERVER_IP);
      return {
        now: clock.now(), client: classifyClient(req), port: 67, site: placed?.site, subnet: placed?.subnet,
        mode: placed ? effectiveMode(placed.site, placed.subnet) : 'server',
        known: req.mac ? index.hostsByMac.get(req.mac) : undefined,
        leases, reservedFor: (ip) => reservations.get(ip), server: serverConfig, ...over,
      };
    },
  };
}

/** A fixture, decoded, optionally with another MAC and changes. */
export function fixture(name: FixtureName, over: Partial<DhcpPacket> & { macAddr?: string } = {}): DhcpPacket {
  const p = decodeDhcp(loadFixture(name));
  const { macAddr, ...rest } = over;
  if (macAddr) {
    const m = mac(macAddr);
    p.chaddr = new Uint8Array(16);
    p.chaddr.set(macToBytes(m));
    p.mac = m;
    p.options.delete(61);
  }
  return Object.assign(p, rest);
}
