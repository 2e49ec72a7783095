// Streams a file under a root folder with Content-Length and single Range requests (RFC 9110
// §14): kernels and initrds are large, and iPXE/curl resume with Range.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';

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

export async function serveFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<ServeResult> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) return sendText(res, 404, 'not found\n');
  const size = st.size;
  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = req.headers.range;
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (!m || (m[1] === '' && m[2] === '')) return rangeNotSatisfiable(res, size);
    if (m[1] === '') {
      start = Math.max(0, size - Number(m[2]));
    } else {
      start = Number(m[1]);
      if (m[2] !== '') end = Math.min(end, Number(m[2]));
    }
    if (start > end || start >= size) return rangeNotSatisfiable(res, size);
    status = 206;
    res.setHeader('content-range', `bytes ${start}-${end}/${size}`);
  }
  res.statusCode = status;
  res.setHeader('content-length', String(end - start + 1));
  res.setHeader('content-type', 'application/octet-stream');
  res.setHeader('accept-ranges', 'bytes');
  res.setHeader('last-modified', st.mtime.toUTCString());
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return { status, bytes: 0 };
  }
  return new Promise((done) => {
    const stream = createReadStream(path, { start, end, highWaterMark: 256 * 1024 });
    stream.on('error', () => {
      res.destroy();
      done({ status: 500, bytes: 0 });
    });
    res.on('close', () => {
      stream.destroy();
      done({ status, bytes: res.writableFinished ? end - start + 1 : 0 });
    });
    stream.pipe(res);
  });
}

function rangeNotSatisfiable(res: ServerResponse, size: number): ServeResult {
  res.setHeader('content-range', `bytes */${size}`);
  return sendText(res, 416, 'range not satisfiable\n');
}

export function sendText(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): ServeResult {
  const buf = Buffer.from(body);
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('content-length', String(buf.length));
  res.end(buf);
  return { status, bytes: buf.length };
}
