// The IPv6 router-advertisement trick (per-site `ipv6_ra: true`): iPXE waits ~14 s for IPv6
// router discovery on an IPv4-only segment. One RA with router lifetime 0 and no prefix ends that
// wait without giving anyone IPv6 (RFC 4861 §4.2: lifetime 0 = not a default router). Node has
// no raw ICMPv6 sockets, so a tiny Python helper (Debian's python3) sends them: at once in answer
// to each router solicitation (it joins all-routers to hear them), and every 3 s. Needs CAP_NET_RAW (root).
//
// The helper's life is tied to Corral's: it watches its stdin, a pipe only Corral holds, and
// exits at EOF — which the kernel delivers even when Corral is killed with SIGKILL. An RA must
// come from a link-local address (RFC 4861 §6.1.2), so the helper waits for the interface to
// have one (a bridge that just came up has none yet); if it exits anyway, Corral restarts it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../lib/log.js';

const SENDER = String.raw`
import os, select, socket, struct, sys, time
ifn = sys.argv[1]
flag = "/proc/sys/net/ipv6/conf/%s/disable_ipv6" % ifn
try:
    if open(flag).read().strip() == "1":
        open(flag, "w").write("0")
except OSError:
    pass
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
idx = socket.if_nametoindex(ifn)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
s.setsockopt(socket.SOL_SOCKET, 25, ifn.encode())  # SO_BINDTODEVICE
# Solicitations go to all-routers (ff02::2, RFC 4861 §6.3.7), a group a host that does not forward
# never joins; a physical NIC's multicast filter drops frames for groups not joined
# (33:33:00:00:00:02), and then a client waits for the next periodic RA (up to 3 s).
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, "ff02::2") + struct.pack("@I", idx))
print("started", flush=True)  # privileges and interface are fine; now wait for an address
def has_link_local():
    try:
        for line in open("/proc/net/if_inet6"):
            f = line.split()
            if len(f) >= 6 and f[5] == ifn and f[0].startswith("fe80") and int(f[4], 16) & 0x40 == 0:
                return True  # flag 0x40 = tentative (duplicate-address detection still running)
    except OSError:
        pass
    return False
deadline = time.time() + 120
while not has_link_local():
    if time.time() > deadline:
        sys.exit("no IPv6 link-local address on %s after 120 s" % ifn)
    r, _, _ = select.select([sys.stdin], [], [], 0.2)
    if r and not os.read(sys.stdin.fileno(), 64):
        sys.exit(0)  # Corral is gone
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)  # type 134, hop limit 64, lifetime 0
last_sent = 0
def send():
    global last_sent
    last_sent = time.time()
    try:
        s.sendto(ra, ("ff02::1", 0, 0, idx))
    except OSError as e:
        print("send failed: %s" % e, file=sys.stderr, flush=True)
print("sending", flush=True)
next_at = 0
while True:
    now = time.time()
    if now >= next_at:
        send(); next_at = now + 3
    r, _, _ = select.select([s, sys.stdin], [], [], max(0.05, next_at - now))
    if sys.stdin in r and not os.read(sys.stdin.fileno(), 64):
        sys.exit(0)  # EOF: Corral is gone
    if s in r:
        data, addr = s.recvfrom(1500)
        # Router solicitation (type 133): answer at once. The answer is multicast (§6.2.6), so one
        # sent in the last 50 ms already reached this client too: a storm of solicitations
        # costs at most 20 RAs a second.
        if data[:1] == b"\x85" and time.time() - last_sent > 0.05:
            send()
`;

export interface RaSender {
  stop(): void;
}

/** The helper's most recent stderr line (why it stopped). */
function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

/**
 * Starts the sender; resolves once it holds its socket (it then waits for the interface's
 * link-local address by itself), or rejects when it cannot start at all (no python3, no privilege). After that, an unexpected exit restarts it with a growing delay (1 s .. 60 s).
 */
export function startRaSender(iface: string, log: Logger, restartDelayMs = 1000): Promise<RaSender> {
  let stopped = false;
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = restartDelayMs;
  const launch = (onReady: () => void, onFail: (e: Error) => void) => {
    let err = '';
    let ready = false;
    const c = spawn('python3', ['-c', SENDER, iface], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = c;
    c.stderr!.on('data', (d) => (err += d));
    c.stdin!.on('error', () => undefined); // EPIPE when the helper is already gone
    c.once('error', (e) => onFail(new Error(`cannot start the RA sender (python3): ${e.message}`)));
    // "started": it holds its raw socket; "sending": the interface had its link-local address.
    c.stdout!.setEncoding('utf8');
    c.stdout!.on('data', (d: string) => {
      if (!ready && d.includes('started')) {
        ready = true;
        onReady();
      }
      if (d.includes('sending')) {
        delay = restartDelayMs;
        log.info('sending zero-lifetime IPv6 router advertisements (ipv6_ra)', { interface: iface });
      }
    });
    c.once('exit', (code) => {
      if (stopped) return;
      if (!ready) return onFail(new Error(`RA sender exited (${code}): ${lastLine(err)}`));
      log.warn('IPv6 RA sender stopped; restarting', { code, error: lastLine(err), in_ms: delay });
      restartLater();
    });
  };
  const restartLater = () => {
    timer = setTimeout(() => launch(() => log.info('IPv6 RA sender restarted', { interface: iface }), retry), delay);
    delay = Math.min(delay * 2, 60_000);
  };
  // A restart that fails before sending is retried too, with the same growing delay.
  const retry = (e: Error) => {
    if (stopped) return;
    log.warn('IPv6 RA sender could not restart', { error: e.message, in_ms: delay });
    restartLater();
  };
  return new Promise((resolve, reject) => {
    launch(
      () =>
        resolve({
          stop: () => {
            stopped = true;
            if (timer) clearTimeout(timer);
            child?.stdin?.end();
            child?.kill('SIGTERM');
          },
        }),
      (e) => {
        stopped = true;
        reject(e);
      },
    );
  });
}
