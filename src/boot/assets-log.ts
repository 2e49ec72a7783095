// Receives nginx's access log of /files/ (syslog over UDP on loopback, one datagram per finished
// request; format in assets-nginx-config.ts) and hands each line to `onServed`, so a download
// nginx served counts in the boot HTTP stats and a kernel fetch moves the host's lifecycle, as
// when Corral serves the file. Lines without the run's token are dropped: anyone on the machine
// can send to a loopback port.
import { createSocket, type Socket } from 'node:dgram';

export interface AssetLogLine {
  ip: string;
  status: number;
  bytes: number;
  method: string;
  /** The decoded path, e.g. /files/ubuntu/vmlinuz. */
  uri: string;
}

/** `<PRI>tag: TOKEN ip status bytes method uri` -> the line; undefined when not ours. */
export function parseAssetLog(msg: string, token: string): AssetLogLine | undefined {
  const at = msg.indexOf(` ${token} `);
  if (at < 0) return undefined;
  const m = /^(\S+) (\d{3}) (\d+) ([A-Z]+) (\/.*)$/.exec(msg.slice(at + token.length + 2).replace(/\n$/, ''));
  if (!m) return undefined;
  return { ip: m[1]!, status: Number(m[2]), bytes: Number(m[3]), method: m[4]!, uri: m[5]! };
}

export interface AssetLog {
  port: number;
  close(): Promise<void>;
}

export async function startAssetLog(token: string, onServed: (l: AssetLogLine) => void): Promise<AssetLog> {
  const sock: Socket = createSocket('udp4');
  sock.on('message', (m) => {
    const line = parseAssetLog(m.toString('utf8'), token);
    if (line) onServed(line);
  });
  sock.on('error', () => {});
  await new Promise<void>((r, j) => {
    sock.once('error', j);
    sock.bind(0, '127.0.0.1', () => r());
  });
  return { port: sock.address().port, close: () => new Promise((r) => sock.close(() => r())) };
}
