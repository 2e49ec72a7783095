// The UDP surface the DHCP server needs (injectable for tests), over node:dgram.
//
// Node limits (research dependencies.md §1): no SO_BINDTODEVICE and no IP_PKTINFO, so the server
// receives on 0.0.0.0:67 (the only place limited broadcasts arrive) and sends from a second socket
// bound to <our address>:67 with SO_REUSEADDR and SO_BROADCAST: a limited broadcast from it leaves
// through the interface holding that address (from a 0.0.0.0 socket it fails with ENETUNREACH
// when there is no default route). Unicast to our address arrives on that second socket (the
// kernel prefers the exact local address), so both sockets feed the same handler.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

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

/** Peers are IP literals: resolve them synchronously instead of a dns.lookup per send. */
const literalLookup = ((host: string, options: unknown, cb: (...a: unknown[]) => void) => {
  const family = net.isIP(host);
  if (family === 0) return dns.lookup(host, options as dns.LookupOneOptions, cb);
  cb(null, host, family);
}) as unknown as dgram.SocketOptions['lookup'];

export const bindUdp: DhcpBindFn = (req) =>
  new Promise((resolve, reject) => {
    const opts: dgram.SocketOptions = { type: 'udp4', reuseAddr: req.reuseAddr ?? false, lookup: literalLookup };
    if (req.recvBufferSize) opts.recvBufferSize = req.recvBufferSize;
    const sock = dgram.createSocket(opts);
    const failed = (err: Error) => {
      try {
        sock.close();
      } catch {
        // never bound
      }
      reject(err);
    };
    sock.once('error', failed);
    sock.bind({ port: req.port, address: req.address, exclusive: true }, () => {
      sock.off('error', failed);
      if (req.broadcast) sock.setBroadcast(true);
      resolve(wrap(sock));
    });
  });

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
