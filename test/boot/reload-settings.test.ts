// SoT settings of the boot services on reload: DHCP options, lease time, gateway, DNS and
// dhcp_mode are read per reply from the served SoT; ipv6_ra starts and stops the RA sender; the
// agent's interface (bound at start) is listed as needing a restart, with its file, in the SoT
// status and in GET /v1/sot and GET /v1/services.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBootServices } from '../../src/boot/services.js';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import type { DhcpPacket } from '../../src/dhcp/packet.js';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { createLifecycle } from '../../src/lifecycle/runner.js';
import { createLiveSot } from '../../src/sot/live.js';
import { sotRoutes } from '../../src/api/operator/sot.js';
import { metaRoutes } from '../../src/api/operator/meta.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { fixture } from '../dhcp/sot-fixture.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';

const LO = '127.0.0.1';

interface Env {
  lease: string;
  gateway: string;
  dns: string;
  wpad: string;
  mode: 'server' | 'proxy';
  iface: string;
  ra: boolean;
}

const env = (e: Env) => `id: s1
name: Site one
mode: on-demand
subnets:
  - id: loop
    cidr: 127.0.0.0/24
    gateway: ${e.gateway}
    dns: [${e.dns}]
    lease_time: ${e.lease}
    dhcp_options:
      - {option: 252, type: string, value: "${e.wpad}"}
agents:
  - name: a1
    asset_server: {addr: 127.0.0.1, port: 8080, scheme: http}
    dhcp_mode: ${e.mode}
    interface: ${e.iface}
    ipv6_ra: ${e.ra}
`;

const RACK = 'id: rack\n---\nname: h1\ninterfaces:\n  - mac: "52:54:00:00:00:01"\n    subnet: loop\n    ipv4: 127.0.0.11\nworkflow: wf\n';

const V1: Env = { lease: '600s', gateway: '127.0.0.254', dns: '127.0.0.53', wpad: 'http://a/wpad', mode: 'server', iface: 'lo', ra: false };

async function relay() {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, LO, () => r()));
  let xid = 0x2e0000;
  return {
    port: sock.address().port,
    /** A relayed DISCOVER of h1 (a BIOS PXE ROM): its reply. */
    async discover(to: number): Promise<DhcpPacket> {
      const x = ++xid;
      const reply = new Promise<DhcpPacket>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no reply')), 3000);
        const on = (m: Buffer) => {
          const p = decodeDhcp(m);
          if (p.xid !== x) return;
          clearTimeout(t);
          sock.off('message', on);
          resolve(p);
        };
        sock.on('message', on);
      });
      const p = fixture('bios-undionly-discover.hex', { giaddr: LO, macAddr: '52:54:00:00:00:01', xid: x });
      sock.send(encodeDhcp(p), to, LO);
      return reply;
    },
    close: () => sock.close(),
  };
}

const ip = (b: Uint8Array | undefined) => (b ? [...b].join('.') : undefined);
const u32 = (b: Uint8Array | undefined) => (b ? Buffer.from(b).readUInt32BE(0) : undefined);
const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('latin1') : undefined);

type Handler = (ctx: never) => unknown;
const handlerOf = (routes: { method: string; path: string }[], method: string, path: string) => (routes.find((r) => r.method === method && r.path === path) as unknown as { handler: Handler }).handler;

test('DHCP options, lease time, gateway, DNS, dhcp_mode and ipv6_ra follow a reload; the interface needs a restart', async () => {
  const w = writeSot({ ...BASE, 'sites/s1/env.yml': env(V1), 'sites/s1/rack.yml': RACK });
  const live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  const store = createMemoryStore();
  const lifecycle = createLifecycle({ store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  const r = await relay();
  const ra: string[] = [];
  const startRa = async (iface: string) => {
    ra.push(`start ${iface}`);
    return { stop: () => void ra.push(`stop ${iface}`) };
  };
  assert.equal(await live.reload(), true);
  const boot = await startBootServices(
    { address: LO, httpPort: 0, tftpPort: 0, dhcpPort: 0, dhcpClientPort: 0, proxyPort: 0, dhcpRelayPort: r.port, dhcp: true, tftp: false, http: false },
    { sot: live, store, lifecycle, clock: systemClock, log: nullLogger, startRa },
  );
  const reload = async (e: Env) => {
    writeFileSync(join(w.dir, 'sites/s1/env.yml'), env(e));
    assert.equal(await live.reload(), true);
  };
  try {
    const dhcp = boot.status().dhcp as { state: string; address: string };
    assert.equal(dhcp.state, 'running');
    const port = Number(dhcp.address.split(':')[1]);

    let offer = await r.discover(port);
    assert.equal(offer.yiaddr, '127.0.0.11');
    assert.equal(u32(offer.options.get(51)), 600);
    assert.equal(ip(offer.options.get(3)), '127.0.0.254');
    assert.equal(ip(offer.options.get(6)), '127.0.0.53');
    assert.equal(text(offer.options.get(252)), 'http://a/wpad');
    assert.equal(boot.status().ipv6_ra.state, 'off');
    assert.deepEqual(ra, []);
    assert.deepEqual(live.status().restartNeeded, []);

    // Options, lease time, gateway, DNS: the next reply. ipv6_ra: the sender starts. interface: listed.
    await reload({ ...V1, lease: '20m', gateway: '127.0.0.253', dns: '127.0.0.54', wpad: 'http://b/wpad', ra: true, iface: 'eth9' });
    offer = await r.discover(port);
    assert.equal(u32(offer.options.get(51)), 1200);
    assert.equal(ip(offer.options.get(3)), '127.0.0.253');
    assert.equal(ip(offer.options.get(6)), '127.0.0.54');
    assert.equal(text(offer.options.get(252)), 'http://b/wpad');
    await waitUntil(() => boot.status().ipv6_ra.state === 'running');
    assert.deepEqual(ra, ['start lo']);
    const need = [{ field: 'sites[s1].agents[a1].interface', from: 'lo', to: 'eth9', file: 'sites/s1/env.yml', line: 1 }];
    assert.deepEqual(live.status().restartNeeded, need);
    // ...as the reload answer (POST /v1/sot/reload returns the same view), GET /v1/sot and GET /v1/services show it.
    const deps = { sot: live, version: 't', services: () => boot.status() } as unknown as ApiDeps;
    const sotView = (await handlerOf(sotRoutes(deps), 'post', '/v1/sot/reload')({} as never)) as { restart_needed: unknown };
    assert.deepEqual(sotView.restart_needed, need);
    assert.deepEqual((handlerOf(sotRoutes(deps), 'get', '/v1/sot')({} as never) as { restart_needed: unknown }).restart_needed, need);
    const services = handlerOf(metaRoutes(deps, () => ({}), () => ''), 'get', '/v1/services')({} as never) as { restart_needed: unknown; ipv6_ra: { state: string } };
    assert.deepEqual(services.restart_needed, need);
    assert.equal(services.ipv6_ra.state, 'running');

    // dhcp_mode proxy: no address any more, boot information only. ipv6_ra off: the sender stops.
    // The interface back to what the services bound: nothing needs a restart.
    await reload({ ...V1, mode: 'proxy' });
    offer = await r.discover(port);
    assert.equal(offer.yiaddr, '0.0.0.0');
    assert.equal(offer.options.get(51), undefined);
    assert.equal(boot.status().ipv6_ra.state, 'off');
    assert.deepEqual(ra, ['start lo', 'stop lo']);
    assert.deepEqual(live.status().restartNeeded, []);
  } finally {
    await boot.stop();
    r.close();
    lifecycle.stop();
    live.stop();
    w.cleanup();
  }
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok());
}
