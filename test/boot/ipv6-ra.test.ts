// The IPv6 RA sender with real sockets in a private network namespace: it waits for the bridge's
// link-local address instead of dying, restarts when killed, and dies with Corral even on
// SIGKILL (its stdin pipe closes). A raw ICMPv6 listener on the veth "machine" proves RAs arrive
// with router lifetime 0. Needs root (namespaces, CAP_NET_RAW) and python3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '../e2e/lab-helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const NS = `cra${process.pid}`;
const BR = `rav${process.pid % 100000}`;
const BR2 = `rab${process.pid % 100000}`;
const skip = process.getuid?.() !== 0 ? 'needs root: a network namespace and a raw ICMPv6 socket' : spawnSync('sh', ['-c', 'command -v python3']).status !== 0 ? 'python3 not installed' : undefined;
const ip = (...a: string[]) => {
  const r = spawnSync('ip', a, { encoding: 'utf8' });
  assert.equal(r.status, 0, `ip ${a.join(' ')}: ${r.stderr}`);
};
const senderPids = () => spawnSync('sh', ['-c', `pgrep -f 'python3 -c' | while read p; do tr '\\0' ' ' < /proc/$p/cmdline | grep -q ' ${BR} $' && echo $p; done`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

/** Listens on the machine side for one RA (type 134) and prints its router lifetime. */
const LISTEN = String.raw`
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(float(sys.argv[1]))
while True:
    d, a = s.recvfrom(1500)
    if d[:1] == b"\x86":
        print("ra lifetime=%d from=%s" % (struct.unpack("!H", d[6:8])[0], a[0]), flush=True)
        break
`;
function awaitRa(timeoutS: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', NS, 'python3', '-c', LISTEN, String(timeoutS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.once('exit', () => resolve(out.trim()));
  });
}

/**
 * On the machine side: waits for a periodic RA (the next one is then 3 s away), sends a router
 * solicitation to all-routers as iPXE does, and prints how long the answer took.
 */
const SOLICIT = String.raw`
import socket, struct, sys, time
idx = socket.if_nametoindex(sys.argv[1])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.settimeout(10)
def next_ra():
    while True:
        d, a = s.recvfrom(1500)
        if d[:1] == b"\x86":
            return
next_ra()
t = time.time()
s.sendto(struct.pack("!BBHI", 133, 0, 0, 0), ("ff02::2", 0, 0, idx))
next_ra()
print("answered_ms=%d" % ((time.time() - t) * 1000), flush=True)
`;

let child: ChildProcess | undefined;
before(() => {
  if (skip) return;
  spawnSync('ip', ['netns', 'del', NS]);
  ip('netns', 'add', NS);
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  // The boot interface: one end of a veth pair whose other end (the machine) is still down, so
  // it has no carrier and no link-local address yet (like a bridge before its first port).
  ip('-n', NS, 'link', 'add', BR, 'type', 'veth', 'peer', 'name', 'ram0');
  ip('-n', NS, 'link', 'set', BR, 'up');
  // A second boot interface as the lab's: a bridge (multicast snooping on, Linux's default) with
  // the machine on a veth port.
  ip('-n', NS, 'link', 'add', BR2, 'type', 'bridge', 'mcast_snooping', '1');
  ip('-n', NS, 'link', 'set', BR2, 'up');
  ip('-n', NS, 'link', 'add', 'rbp0', 'type', 'veth', 'peer', 'name', 'rbm0');
  ip('-n', NS, 'link', 'set', 'rbp0', 'master', BR2);
  ip('-n', NS, 'link', 'set', 'rbp0', 'up');
  ip('-n', NS, 'link', 'set', 'rbm0', 'up');
});
after(() => {
  child?.kill('SIGKILL');
  if (!skip) spawnSync('ip', ['netns', 'del', NS]);
});

test('waits for the link-local address, sends lifetime-0 RAs, restarts when killed, dies with Corral on SIGKILL', { skip, timeout: 120_000 }, async () => {
  child = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(ROOT, 'test/boot/ra-child.ts'), BR], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await waitFor('the sender to start', () => (out.includes('started\n') ? true : undefined), 30_000, 100);
  assert.doesNotMatch(out, /sending zero-lifetime/, 'no link-local address yet: nothing sent');
  // The machine's end comes up: carrier, so the boot interface gets its link-local address.
  ip('-n', NS, 'link', 'set', 'ram0', 'up');
  await waitFor('RAs to be sent', () => (out.includes('sending zero-lifetime') ? true : undefined), 30_000, 100);
  assert.match(await awaitRa(10), /^ra lifetime=0 from=fe80::/);
  const [first] = senderPids();
  assert.ok(first, 'the helper runs');
  process.kill(Number(first), 'SIGKILL');
  await waitFor('a restarted helper', () => {
    const now = senderPids();
    return now.length === 1 && now[0] !== first ? now[0] : undefined;
  }, 20_000, 100);
  assert.match(out, /IPv6 RA sender stopped; restarting/);
  assert.match(await awaitRa(10), /^ra lifetime=0/);

  // Corral killed outright: the helper sees EOF on its stdin and exits.
  child.kill('SIGKILL');
  await waitFor('the helper to exit with its parent', () => (senderPids().length === 0 ? true : undefined), 10_000, 100);
});

test('a router solicitation through a bridge is answered at once, not by the next periodic RA', { skip, timeout: 60_000 }, async () => {
  const c = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(ROOT, 'test/boot/ra-child.ts'), BR2], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    c.stdout!.on('data', (d) => (out += d));
    await waitFor('RAs on the bridge', () => (out.includes('sending zero-lifetime') ? true : undefined), 30_000, 100);
    // After a periodic RA the next one is 3 s away: an answer within 1 s is the solicited one.
    const solicited = spawnSync('ip', ['netns', 'exec', NS, 'python3', '-c', SOLICIT, 'rbm0'], { encoding: 'utf8', timeout: 30_000 });
    const ms = Number(/answered_ms=(\d+)/.exec(solicited.stdout)?.[1]);
    console.log(`# solicited RA answered in ${ms} ms`);
    assert.ok(ms < 1000, `solicited RA after ${ms} ms: ${solicited.stdout}${solicited.stderr}`);
  } finally {
    c.kill('SIGKILL');
  }
});
