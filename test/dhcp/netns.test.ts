// The DHCP server against real clients in private network namespaces (root only): ISC dhclient
// gets the SoT reservation for its MAC, an unknown MAC gets nothing, perfdhcp against a
// discovery site loses nothing. Namespaces cdhcpt-<pid>-{s,c,p}: a server namespace with bridge
// br0 = 10.99.0.1/16, a dhclient namespace and a perfdhcp namespace (10.99.0.2) cabled to it by
// veth. Everything is bounded in time and deleted in after(), also on failure.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { within } from '../fakes/wait.js';

const ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const which = (cmd: string) => (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat('/usr/sbin', '/sbin').some((d) => existsSync(join(d, cmd)));
const HAVE = { ip: which('ip'), dhclient: which('dhclient'), perfdhcp: which('perfdhcp') };
const NS = { s: `cdhcpt-${process.pid}-s`, c: `cdhcpt-${process.pid}-c`, p: `cdhcpt-${process.pid}-p` };
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./netns-server.ts', import.meta.url));
const KNOWN = '02:cd:00:00:00:01';

const sh = (args: string[]) => execFileSync(args[0]!, args.slice(1), { timeout: 10_000, stdio: 'pipe' });
const ipn = (ns: string, ...args: string[]) => sh(['ip', '-n', ns, ...args]);

function run(cmd: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd[0]!, cmd.slice(1), { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 124) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

function sotFiles(dir: string, discovery: boolean): void {
  mkdirSync(join(dir, 'sites/t'), { recursive: true });
  writeFileSync(join(dir, 'sites/t/env.yml'), `id: t
name: netns test
mode: on-demand
subnets:
  - {id: lan, cidr: 10.99.0.0/16, dns: [10.99.0.1], domain: t.test, lease_time: 10m}
agents:
  - {name: corral, dhcp_mode: server}
discovery: {enabled: ${discovery}, subnet: lan, range: "10.99.1.0-10.99.3.250"}
`);
  writeFileSync(join(dir, 'sites/t/rack.yml'), `id: rack
---
name: known1
interfaces:
  - {mac: "${KNOWN}", subnet: lan, ipv4: 10.99.0.11}
`);
}

function setupNamespaces(): void {
  for (const ns of Object.values(NS)) {
    sh(['ip', 'netns', 'add', ns]);
    ipn(ns, 'link', 'set', 'lo', 'up');
    sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  }
  ipn(NS.s, 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
  ipn(NS.s, 'addr', 'add', '10.99.0.1/16', 'dev', 'br0');
  ipn(NS.s, 'link', 'set', 'br0', 'up');
  for (const [peer, ns, addr] of [['vc', NS.c, undefined], ['vp', NS.p, '10.99.0.2/16']] as const) {
    ipn(NS.s, 'link', 'add', `h-${peer}`, 'type', 'veth', 'peer', 'name', peer, 'netns', ns);
    ipn(NS.s, 'link', 'set', `h-${peer}`, 'master', 'br0', 'up');
    if (addr) ipn(ns, 'addr', 'add', addr, 'dev', peer);
    ipn(ns, 'link', 'set', peer, 'up');
  }
}

function teardown(): void {
  for (const ns of Object.values(NS)) {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', ns], { timeout: 5000, stdio: 'pipe' }).toString().split(/\s+/).filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL'); // only processes this test started live there
      sh(['ip', 'netns', 'del', ns]);
    } catch {
      // never created, or already gone
    }
  }
}

class ServerProcess {
  private out = '';
  private readonly exited: Promise<void>;
  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    // 'close': the process is gone and its output has been read to the end (STATS included).
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
  }

  static async start(sotDir: string, dataDir: string): Promise<ServerProcess> {
    const child = spawn('ip', ['netns', 'exec', NS.s, process.execPath, '--import', 'tsx', ENTRY, '--sot', sotDir, '--data', dataDir, '--address', '10.99.0.1'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new ServerProcess(child);
    const ready = new Promise<boolean>((resolve) => {
      const check = () => p.out.includes('READY') && resolve(true);
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      void p.exited.then(() => resolve(false));
    });
    const started = await within(ready, { timeoutMs: 30_000, what: 'the server to print READY' }).catch(() => false);
    if (!started) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${p.out}`);
    }
    return p;
  }

  /** Stops the server (SIGKILL if it has not exited 10 s after SIGTERM); resolves with its stats. */
  async stop(): Promise<Record<string, unknown>> {
    this.child.kill('SIGTERM');
    await within(this.exited, { timeoutMs: 10_000, what: 'the server to exit' }).catch(() => {
      this.child.kill('SIGKILL');
      return this.exited;
    });
    const line = this.out.split('\n').find((l) => l.startsWith('STATS '));
    return line ? (JSON.parse(line.slice(6)) as Record<string, unknown>) : {};
  }
}

function dhclient(tmp: string, name: string, timeoutS: number) {
  const conf = join(tmp, `${name}.conf`);
  writeFileSync(conf, `timeout ${timeoutS};\nretry 1;\n`);
  const lease = join(tmp, `${name}.leases`);
  const pid = join(tmp, `${name}.pid`);
  const cmd = ['ip', 'netns', 'exec', NS.c, 'dhclient', '-4', '-1', '-v', '-cf', conf, '-sf', '/bin/true', '-lf', lease, '-pf', pid, 'vc'];
  return { cmd, lease, pid };
}

const skip = !ROOT ? 'needs root for network namespaces' : !HAVE.ip ? 'needs iproute2 (ip)' : false;

describe('DHCP server in network namespaces', { skip, timeout: 180_000 }, () => {
  let tmp = '';
  let server: ServerProcess | undefined;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'corral-dhcp-netns-'));
    teardown();
    setupNamespaces();
  });

  after(async () => {
    await server?.stop();
    teardown();
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('server mode, discovery off', () => {
    before(async () => {
      sotFiles(join(tmp, 'sot-a'), false);
      server = await ServerProcess.start(join(tmp, 'sot-a'), join(tmp, 'data-a'));
    });

    it('ISC dhclient gets the SoT-reserved address for its MAC', { skip: !HAVE.dhclient && 'dhclient not installed' }, async () => {
      ipn(NS.c, 'link', 'set', 'vc', 'address', KNOWN);
      const d = dhclient(tmp, 'known', 15);
      const r = await run(d.cmd, 30_000);
      const pid = existsSync(d.pid) ? Number(readFileSync(d.pid, 'utf8').trim()) : 0;
      if (pid > 0) process.kill(pid, 'SIGKILL'); // the daemonised dhclient we started
      assert.equal(r.code, 0, r.out);
      const lease = readFileSync(d.lease, 'utf8');
      assert.match(lease, /fixed-address 10\.99\.0\.11;/);
      assert.match(lease, /option dhcp-server-identifier 10\.99\.0\.1;/);
      assert.match(lease, /option domain-name "t\.test";/);
      assert.match(lease, /option dhcp-lease-time 600;/);
    });

    it('an unknown MAC gets no answer (bounded wait), and the server counts it', { skip: !HAVE.dhclient && 'dhclient not installed' }, async () => {
      ipn(NS.c, 'link', 'set', 'vc', 'address', '02:cd:00:00:99:01');
      const d = dhclient(tmp, 'unknown', 6);
      const r = await run(d.cmd, 20_000);
      assert.notEqual(r.code, 0, r.out);
      assert.doesNotMatch(r.out, /DHCPOFFER of/);
      assert.equal(existsSync(d.lease) && /fixed-address/.test(readFileSync(d.lease, 'utf8')), false);
      const stats = await server!.stop();
      server = undefined;
      const reasons = stats.dropReasons as Record<string, number>;
      assert.ok((reasons['unknown mac'] ?? 0) >= 1, JSON.stringify(stats));
    });
  });

  describe('server mode, discovery on', () => {
    before(async () => {
      await server?.stop();
      sotFiles(join(tmp, 'sot-b'), true);
      server = await ServerProcess.start(join(tmp, 'sot-b'), join(tmp, 'data-b'));
    });

    it('perfdhcp -r 100 -n 200 -R 150 (150 random MACs) completes with 0 drops', { skip: !HAVE.perfdhcp && 'perfdhcp not installed' }, async (t) => {
      const r = await run(['ip', 'netns', 'exec', NS.p, 'perfdhcp', '-4', '-r', '100', '-n', '200', '-R', '150', '-B', '-l', 'vp', '-p', '8', '-W', '1000000'], 40_000);
      // -W: wait 1 s after the last request, or perfdhcp counts the last exchange as a drop
      const drops = [...r.out.matchAll(/^drops: (\d+)/gm)].map((m) => Number(m[1]));
      const received = [...r.out.matchAll(/^received packets: (\d+)/gm)].map((m) => Number(m[1]));
      t.diagnostic(`perfdhcp: received ${received.join('/')}, drops ${drops.join('/')} (DISCOVER-OFFER/REQUEST-ACK)`);
      assert.equal(r.code, 0, r.out);
      assert.deepEqual(drops, [0, 0], r.out);
      assert.deepEqual(received, [200, 200], r.out);
      const stats = await server!.stop();
      server = undefined;
      const stored = (stats.leases as { stored: number }).stored;
      assert.equal(stats.acks, 200);
      assert.ok(stored > 0 && stored <= 150, `${stored} leases stored for at most 150 MACs`);
      t.diagnostic(`server: ${JSON.stringify({ received: stats.received, acks: stats.acks, dropped: stats.dropped, leases: stats.leases })}`);
    });
  });
});
