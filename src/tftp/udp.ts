// The small UDP socket surface the TFTP server needs, so tests can inject a fake, and its
// implementation over node:dgram.

import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

export interface UdpPeer {
  address: string;
  port: number;
}

export interface UdpSocket {
  /** Fire and forget: a failed send is a lost packet, which TFTP retransmission covers. */
  send(packet: Uint8Array, port: number, address: string): void;
  onMessage(fn: (msg: Buffer, from: UdpPeer) => void): void;
  onError(fn: (err: Error) => void): void;
  address(): UdpPeer;
  close(): Promise<void>;
}

/** Binds a socket to host:port (port 0: an ephemeral port). */
export type BindFn = (host: string, port: number) => Promise<UdpSocket>;

export const udpBind: BindFn = (host, port) =>
  new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', lookup: literalLookup });
    const failed = (err: Error) => {
      try {
        sock.close();
      } catch {
        // already closed
      }
      reject(err);
    };
    sock.once('error', failed);
    sock.bind(port, host, () => {
      sock.off('error', failed);
      resolve(wrap(sock));
    });
  });

/**
 * Peers are always IP literals (from rinfo): resolve them synchronously, so a send goes out in
 * the call itself instead of after a process.nextTick of dns.lookup (faster, and a close()
 * right after a send cannot drop it).
 */
const literalLookup = ((hostname: string, options: unknown, callback: (...a: unknown[]) => void) => {
  const family = net.isIP(hostname);
  if (family === 0) return dns.lookup(hostname, options as dns.LookupOneOptions, callback);
  callback(null, hostname, family);
}) as unknown as dgram.SocketOptions['lookup'];

function wrap(sock: dgram.Socket): UdpSocket {
  let closed: Promise<void> | null = null;
  return {
    // Without a callback, Node tries a synchronous send and drops errors silently.
    send: (packet, port, address) => {
      if (closed) return;
      if (process.env.HACK_CONNECT) { if (!(sock as any)._c) { (sock as any)._c = 1; sock.connect(port, address, () => { (sock as any)._c = 2 }); sock.send(packet, port, address); return; } if ((sock as any)._c === 2) { sock.send(packet); return; } }
      sock.send(packet, port, address);
    },
    onMessage: (fn) => sock.on('message', (msg, rinfo) => fn(msg, { address: rinfo.address, port: rinfo.port })),
    onError: (fn) => sock.on('error', fn),
    address: () => {
      const a = sock.address();
      return { address: a.address, port: a.port };
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        // after the current tick, so packets sent just before (an ERROR, a last ACK) leave first
        setImmediate(() => {
          try {
            sock.close(() => resolve());
          } catch {
            resolve(); // not running any more
          }
        });
      })),
  };
}
