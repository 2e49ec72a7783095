// The UDP surface the DHCP server needs (injectable for tests), over node:dgram.
//
// Node limits (research dependencies.md §1): no SO_BINDTODEVICE and no IP_PKTINFO, so the server
// receives on 0.0.0.0:67 (the only place limited broadcasts arrive) and sends from a second socket
// bound to <our address>:67 with SO_REUSEADDR and SO_BROADCAST: a limited broadcast from it leaves
// through the interface holding that address (from a 0.0.0.0 socket it fails with ENETUNREACH
// when there is no default route). Unicast to our address arrives on that second socket (the
// kernel prefers the exact local address), so both sockets feed the same handler.
import type dgram from 'node:dgram';
import { bindDgram } from '../lib/dgram.js';

export interface UdpFrom {
  address: string;
  port: number;
}

export interface DhcpSocket {
  /** Resolves when the datagram was handed to the kernel; rejects on a send error. */
  send(packet: Uint8Array, port: number, address: string): Promise<void>;
  onMessage(fn: (msg: Buffer, from: UdpFrom) => void): void;
  /** Errors after bind (the server logs them; without a listener dgram would throw). */
  onError(fn: (err: Error) => void): void;
  port(): number;
  close(): Promise<void>;
}

export interface BindRequest {
  address: string;
  port: number;
  reuseAddr?: boolean;
  broadcast?: boolean;
  /** SO_RCVBUF wish (capped by net.core.rmem_max): room for bursts while the loop is busy. */
  recvBufferSize?: number;
}

export type DhcpBindFn = (req: BindRequest) => Promise<DhcpSocket>;

export const bindUdp: DhcpBindFn = async (req) => {
  const opts: Omit<dgram.SocketOptions, 'lookup'> = { type: 'udp4', reuseAddr: req.reuseAddr ?? false };
  if (req.recvBufferSize) opts.recvBufferSize = req.recvBufferSize;
  const sock = await bindDgram(opts, { port: req.port, address: req.address, exclusive: true });
  if (req.broadcast) sock.setBroadcast(true);
  return wrap(sock);
};

function wrap(sock: dgram.Socket): DhcpSocket {
  let closed: Promise<void> | undefined;
  return {
    send: (packet, port, address) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new Error('socket closed'));
        sock.send(packet, port, address, (err) => (err ? reject(err) : resolve()));
      }),
    onMessage: (fn) => sock.on('message', (msg, rinfo) => fn(msg, { address: rinfo.address, port: rinfo.port })),
    onError: (fn) => sock.on('error', fn),
    port: () => sock.address().port,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        try {
          sock.close(() => resolve());
        } catch {
          resolve();
        }
      })),
  };
}
