// The IPv6 router-advertisement trick (per-site `ipv6_ra: true`): iPXE waits ~14 s for IPv6
// router discovery on an IPv4-only segment. One RA with router lifetime 0 and no prefix ends that
// wait without giving anyone IPv6 (RFC 4861 §4.2: lifetime 0 = not a default router). Node has
// no raw ICMPv6 sockets, so a tiny Python helper (Debian's python3) sends them: at once in answer
// to each router solicitation, and every few seconds. Needs CAP_NET_RAW (root).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../lib/log.js';

const SENDER = String.raw`
import os, select, socket, struct, sys, time
ifn = sys.argv[1]
flag = "/proc/sys/net/ipv6/conf/%s/disable_ipv6" % ifn
try:
    if open(flag).read().strip() == "1":
        open(flag, "w").write("0")
        time.sleep(2)  # link-local address (DAD) before sending
except OSError:
    pass
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
idx = socket.if_nametoindex(ifn)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
s.setsockopt(socket.SOL_SOCKET, 25, ifn.encode())  # SO_BINDTODEVICE
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)  # type 134, hop limit 64, lifetime 0
print("ready", flush=True)
next_at = 0
while True:
    now = time.time()
    if now >= next_at:
        s.sendto(ra, ("ff02::1", 0, 0, idx)); next_at = now + 3
    r, _, _ = select.select([s], [], [], max(0.05, next_at - now))
    if r:
        data, addr = s.recvfrom(1500)
        if data[:1] == b"\x85":  # router solicitation (type 133): answer at once
            s.sendto(ra, ("ff02::1", 0, 0, idx))
`;

export interface RaSender {
  stop(): void;
}

export function startRaSender(iface: string, log: Logger): Promise<RaSender> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('python3', ['-c', SENDER, iface], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(e);
      return;
    }
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.once('error', (e) => reject(new Error(`cannot start the RA sender (python3): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`RA sender exited (${code}): ${err.trim().split('\n').pop() ?? ''}`)));
    child.stdout!.once('data', () => {
      child.removeAllListeners('exit');
      child.once('exit', (code) => log.warn('IPv6 RA sender stopped', { code, error: err.trim().split('\n').pop() }));
      resolve({ stop: () => child.kill('SIGTERM') });
    });
  });
}
