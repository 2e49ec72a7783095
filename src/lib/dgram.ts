// Opening UDP sockets, shared by the DHCP and TFTP services.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

/**
 * Peers are always IP literals (from rinfo or the SoT): resolve them synchronously, so a send
 * goes out in the call itself instead of after a dns.lookup tick (faster, and a close() right
 * after a send cannot drop it).
 */
export const literalLookup = ((hostname: string, options: unknown, callback: (...a: unknown[]) => void) => {
  const family = net.isIP(hostname);
  if (family === 0) return dns.lookup(hostname, options as dns.LookupOneOptions, callback);
  callback(null, hostname, family);
}) as unknown as dgram.SocketOptions['lookup'];

/** Creates and binds a socket; on a bind error the socket is closed and the promise rejects. */
export function bindDgram(opts: Omit<dgram.SocketOptions, 'lookup'>, bind: dgram.BindOptions): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ ...opts, lookup: literalLookup });
    const failed = (err: Error) => {
      try {
        sock.close();
      } catch {
        // never bound
      }
      reject(err);
    };
    sock.once('error', failed);
    sock.bind(bind, () => {
      sock.off('error', failed);
      resolve(sock);
    });
  });
}
