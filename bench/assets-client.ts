// Load client for bench/assets.ts: CONNS keep-alive connections to HOST:PORT, each downloading
// PATH again and again for SECONDS, the body thrown away. Prints one JSON line: bytes received
// in the window and the time of each download that finished in it (ms).
// Run: node --import tsx bench/assets-client.ts HOST PORT PATH CONNS SECONDS
//
// Cheap per byte so the client is not what limits: raw sockets (no HTTP parser on the body),
// and `onread` into one reused 1 MiB buffer per connection, so a chunk costs no allocation.
import { connect } from 'node:net';

const [host = '127.0.0.1', portText = '80', path = '/', connsText = '16', secsText = '4'] = process.argv.slice(2);
const port = Number(portText);
const conns = Number(connsText);
const windowMs = Number(secsText) * 1000;
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: corral-bench\r\n\r\n`);

let bytes = 0;
const done: number[] = [];
let errors = 0;
const started = performance.now();
const sockets: ReturnType<typeof connect>[] = [];

function client(): void {
  let header = '';
  let left = -1; // body bytes still to come; -1: reading the header
  let t0 = 0;
  const buf = Buffer.allocUnsafe(1 << 20);
  const send = () => {
    header = '';
    left = -1;
    t0 = performance.now();
    sock.write(request);
  };
  const sock = connect({
    host,
    port,
    onread: {
      buffer: buf,
      callback: (n: number, b: Uint8Array) => {
        let off = 0;
        if (left < 0) {
          header += Buffer.from(b.buffer, b.byteOffset, n).toString('latin1');
          const end = header.indexOf('\r\n\r\n');
          if (end < 0) return true;
          const m = /content-length:\s*(\d+)/i.exec(header.slice(0, end));
          if (!m || !header.startsWith('HTTP/1.1 200')) {
            errors++;
            sock.destroy();
            return false;
          }
          left = Number(m[1]);
          off = n - (header.length - end - 4);
          header = '';
        }
        const body = n - off;
        bytes += body;
        left -= body;
        if (left <= 0) {
          done.push(performance.now() - t0);
          send();
        }
        return true;
      },
    },
  });
  sock.setNoDelay(true);
  sock.on('connect', send);
  sock.on('error', () => errors++);
  sockets.push(sock);
}

for (let i = 0; i < conns; i++) client();
setTimeout(() => {
  const elapsed = performance.now() - started;
  for (const s of sockets) s.destroy();
  process.stdout.write(JSON.stringify({ bytes, ms: elapsed, done, errors }) + '\n');
  process.exit(0);
}, windowMs);
