// The built-in asset server: streams a file under a root folder with Content-Length, ETag and
// Last-Modified, 304 for conditional requests and single Range requests (RFC 9110 §13, §14):
// kernels and initrds are large, and iPXE/curl resume with Range. When `--asset-server` picks
// nginx, nginx serves /files/ instead (boot/assets-nginx.ts); this path still serves /ipxe-bin/
// and every asset when nginx is absent.
//
// Why it reads as it does (bench/assets.ts, docs/benchmarks.md "Boot assets"): Node has no
// sendfile for HTTP, so each byte is copied from the page cache into a buffer and from it into
// the socket. What is left to save is per-chunk overhead: one fd per download (fstat on it, so
// the validators describe exactly the bytes sent), 512 KiB reads into buffers reused from a
// pool instead of a fresh allocation per chunk (createReadStream's), one write per read.
import { close, fstat, open, read, type Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { chooseRange, notModified, validators } from './conditional.js';
import { readSlot } from './read-slots.js';

/** Resolves `rel` under `root`, refusing traversal and symlinks that leave the root. */
export async function safePath(root: string, rel: string): Promise<string | undefined> {
  if (rel.includes('\0')) return undefined;
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return undefined;
  const realRoot = await realpath(root).catch(() => undefined);
  if (!realRoot) return undefined;
  const target = await realpath(resolve(realRoot, ...segments)).catch(() => undefined);
  if (!target || (target !== realRoot && !target.startsWith(realRoot + sep))) return undefined;
  return target;
}

export type ServeResult = { status: number; bytes: number };

/** Bytes per read and write: large enough that per-chunk costs vanish next to the copies. */
export const CHUNK = 512 * 1024;
/** Idle buffers kept for reuse (8 MiB); a storm's extra buffers are left to the GC afterwards. */
const POOL_MAX = 16;
const pool: Buffer[] = [];
const takeBuffer = () => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
const giveBuffer = (b: Buffer) => {
  if (pool.length < POOL_MAX) pool.push(b);
};

const openFd = (path: string) => new Promise<number | undefined>((r) => open(path, 'r', (e, fd) => r(e ? undefined : fd)));
const statFd = (fd: number) => new Promise<Stats | undefined>((r) => fstat(fd, (e, st) => r(e ? undefined : st)));
const closeFd = (fd: number) => close(fd, () => {});

export async function serveFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<ServeResult> {
  const fd = await openFd(path);
  if (fd === undefined) return sendText(res, 404, 'not found\n');
  const st = await statFd(fd);
  if (!st?.isFile()) {
    closeFd(fd);
    return sendText(res, 404, 'not found\n');
  }
  const v = validators(st);
  res.setHeader('etag', v.etag);
  res.setHeader('last-modified', v.lastModified.toUTCString());
  res.setHeader('accept-ranges', 'bytes');
  if (notModified(req.method, req.headers, v)) {
    closeFd(fd);
    // A 304 carries the validators and no body (RFC 9110 §15.4.5).
    res.statusCode = 304;
    res.end();
    return { status: 304, bytes: 0 };
  }
  const size = st.size;
  const range = chooseRange(req.headers, size, v);
  if (range.kind === 'unsatisfiable') {
    closeFd(fd);
    res.setHeader('content-range', `bytes */${size}`);
    return sendText(res, 416, 'range not satisfiable\n');
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;
  const status = range.kind === 'partial' ? 206 : 200;
  if (status === 206) res.setHeader('content-range', `bytes ${start}-${end}/${size}`);
  res.statusCode = status;
  res.setHeader('content-length', String(end - start + 1));
  res.setHeader('content-type', 'application/octet-stream');
  if (req.method === 'HEAD' || end < start) {
    closeFd(fd);
    res.end();
    return { status, bytes: 0 };
  }
  return pump(res, fd, start, end + 1, status);
}

/** read -> write -> (written) read ... until `stop`; ends when the client goes away too. */
function pump(res: ServerResponse, fd: number, start: number, stop: number, status: number): Promise<ServeResult> {
  return new Promise((done) => {
    const buf = takeBuffer();
    let pos = start;
    let sent = 0;
    let writing = false;
    let finished = false;
    const finish = (r: ServeResult) => {
      if (finished) return;
      finished = true;
      closeFd(fd);
      // A buffer the socket may still hold is not reused: the next download would overwrite it.
      if (!writing) giveBuffer(buf);
      done(r);
    };
    res.on('close', () => finish({ status, bytes: sent }));
    const step = () => {
      if (finished) return;
      readSlot((release) => {
        read(fd, buf, 0, Math.min(CHUNK, stop - pos), pos, (e, n) => {
          release();
          if (finished) return;
          if (e || n === 0) {
            // Truncated under us: what was promised by Content-Length cannot be kept.
            res.destroy();
            return finish({ status: e ? 500 : status, bytes: sent });
          }
          pos += n;
          writing = true;
          res.write(n === CHUNK ? buf : buf.subarray(0, n), () => {
            writing = false;
            sent += n;
            if (finished) return giveBuffer(buf);
            if (pos < stop) return step();
            res.end();
            finish({ status, bytes: sent });
          });
        });
      });
    };
    step();
  });
}

export function sendText(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): ServeResult {
  const buf = Buffer.from(body);
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('content-length', String(buf.length));
  res.end(buf);
  return { status, bytes: buf.length };
}
