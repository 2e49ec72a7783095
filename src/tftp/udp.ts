// The small UDP socket surface the TFTP server needs, so tests can inject a fake, and its
// implementation over node:dgram.

import dgram from 'node:dgram';
import net from 'node:net';
import { bindDgram } from '../lib/dgram.js';

export interface UdpPeer {
  address: string;
  port: number;
}

export interface UdpSocket {
  /**
   * Fire and forget: a failed send is a lost packet, which TFTP retransmission covers. On a
   * connected socket the packet goes to the connected peer.
   */
  send(packet: Uint8Array, port: number, address: string): void;
  /**
   * Connects the socket to one peer (optional): the kernel then delivers only that peer's
   * packets and sends without a per-packet route lookup.
   */
  connect?(port: number, address: string): Promise<void>;
  /** Packets handed to the socket but not yet to the kernel (queued while its buffer was full). */
  queued?(): number;
  onMessage(fn: (msg: Buffer, from: UdpPeer) => void): void;
  onError(fn: (err: Error) => void): void;
  address(): UdpPeer;
  close(): Promise<void>;
}

/** Binds a socket to host:port (port 0: an ephemeral port); reuseAddr sets SO_REUSEADDR. */
export type BindFn = (host: string, port: number, opts?: { reuseAddr?: boolean }) => Promise<UdpSocket>;

export const udpBind: BindFn = async (host, port, opts = {}) =>
  wrap(await bindDgram({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: opts.reuseAddr ?? false }, { port, address: host }));


function wrap(sock: dgram.Socket): UdpSocket {
  let closed: Promise<void> | null = null;
  let peer: UdpPeer | null = null;
  return {
    // Without a callback, Node tries a synchronous send and drops errors silently.
    send: (packet, port, address) => {
      if (closed) return;
      if (!peer) sock.send(packet, port, address);
      else if (peer.port === port && peer.address === address) sock.send(packet); // else: not ours
    },
    connect: (port, address) =>
      new Promise<void>((resolve, reject) => {
        sock.once('error', reject); // a failed connect emits 'error' instead of calling back
        sock.connect(port, address, () => {
          sock.off('error', reject);
          peer = { port, address };
          resolve();
        });
      }),
    queued: () => sock.getSendQueueCount(),
    onMessage: (fn) => sock.on('message', fn), // rinfo carries address and port
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

export interface TidSockets {
  /** The transfer's socket, connected to the client when `others` is set. */
  main: UdpSocket;
  /** Unconnected socket on the same port: receives packets from other peers (-> ERROR 5). */
  others: UdpSocket | null;
}

/**
 * Opens the sockets of one transfer ID (RFC 1350 §4): an ephemeral port on `host`, connected to
 * the client (the kernel then skips a route lookup per packet and filters other peers), plus an
 * unconnected socket on the same port (SO_REUSEADDR; Linux prefers the connected socket for the
 * client's packets) that receives other peers' packets. If that second socket cannot be had,
 * the first one stays unconnected and receives everything.
 * With SO_REUSEADDR the kernel may hand out a port that another of our transfers already uses;
 * `isFree(port)` returns false for those and another port is tried (harmless if all tries fail:
 * each connected socket still gets its own client's packets).
 */
export async function openTid(bind: BindFn, host: string, client: UdpPeer, isFree: (port: number) => boolean): Promise<TidSockets> {
  let main = await bind(host, 0, { reuseAddr: true });
  for (let i = 0; i < 4 && !isFree(main.address().port); i++) {
    const next = await bind(host, 0, { reuseAddr: true }).catch(() => null);
    if (!next) break;
    await main.close();
    main = next;
  }
  const others = await bind(host, main.address().port, { reuseAddr: true }).catch(() => null);
  if (!others || !main.connect) {
    await others?.close();
    return { main, others: null };
  }
  try {
    await main.connect(client.port, client.address);
    return { main, others };
  } catch {
    await others.close();
    return { main, others: null };
  }
}
