// Resolves TFTP file names against a root directory, with per-host virtual files layered on top.
// Names are normalised and confined to the root (no "..", no escaping symlinks); small files are
// cached in memory (boot loaders are fetched by every machine), large ones are read with
// positioned reads through a file handle.

import { constants, promises as fs, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ErrorCode, TftpRequestError } from './codec.js';
import { bufferSource, type TftpSource } from './source.js';

export interface TftpClient {
  address: string;
  port: number;
}
export type TftpResolver = (filename: string, client: TftpClient) => Promise<TftpSource | null>;

/** Generated content for one virtual name; null means "no such file for this client". */
export type VirtualFile = (
  client: TftpClient,
) => Uint8Array | string | TftpSource | null | Promise<Uint8Array | string | TftpSource | null>;

export interface FileResolverOptions {
  root: string;
  /** Virtual files by normalised name (e.g. "pxelinux.cfg/01-52-54-00-12-34-56"), checked first. */
  virtual?: ReadonlyMap<string, VirtualFile> | Record<string, VirtualFile>;
  /** Files up to this size are cached in memory (default 8 MiB). */
  cacheFileMaxBytes?: number;
  /** Total cache budget, least recently used files go first (default 64 MiB). */
  cacheTotalMaxBytes?: number;
  /**
   * Look names up with blocking calls (realpath(3), stat(2)) instead of through libuv's thread
   * pool: for a thread that does nothing but TFTP requests (the TFTP workers, whose transfers run
   * in the pump). From the page cache they take microseconds; a round trip through the pool takes
   * far longer when a hundred requests arrive at once. Default false.
   */
  blocking?: boolean;
}

const denied = (why: string) => new TftpRequestError(ErrorCode.ACCESS_VIOLATION, `access violation: ${why}`);

/**
 * Turns a requested name into a root-relative path: "\" -> "/", leading "/" stripped (names are
 * relative to the TFTP root, as tftpd-hpa -s does), "." and empty segments dropped. Throws an
 * access violation for ".." segments, NUL or control bytes and drive-letter paths.
 */
export function normaliseTftpPath(name: string): string {
  if (/[\u0000-\u001f\u007f]/.test(name)) throw denied('control character in file name');
  const slashed = name.replace(/\\/g, '/');
  if (/^[A-Za-z]:/.test(slashed)) throw denied('absolute path');
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw denied('".." in file name');
  return segments.join('/');
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

interface CacheEntry {
  key: string; // dev/ino/size/mtime: a changed file is a new entry
  data: Promise<Buffer>;
  size: number;
}

export function createFileResolver(opts: FileResolverOptions): TftpResolver {
  const virtual = opts.virtual instanceof Map ? opts.virtual : new Map(Object.entries(opts.virtual ?? {}));
  const fileMax = opts.cacheFileMaxBytes ?? 8 * 1024 * 1024;
  const totalMax = opts.cacheTotalMaxBytes ?? 64 * 1024 * 1024;
  const cache = new Map<string, CacheEntry>(); // by real path, in LRU order
  const realpath = opts.blocking ? async (p: string) => realpathSync.native(p) : (p: string) => fs.realpath(p);
  const stat = opts.blocking ? async (p: string) => statSync(p) : (p: string) => fs.stat(p);
  let realRoot: Promise<string> | null = null;

  const cached = (real: string, st: Stats): Promise<Buffer> => {
    const key = `${st.dev}/${st.ino}/${st.size}/${st.mtimeMs}`;
    const hit = cache.get(real);
    cache.delete(real);
    if (hit && hit.key === key) {
      cache.set(real, hit); // most recently used
      return hit.data;
    }
    const data = fs.readFile(real, { flag: constants.O_RDONLY | constants.O_NOFOLLOW });
    const entry = { key, data, size: st.size };
    cache.set(real, entry);
    data.catch(() => cache.get(real) === entry && cache.delete(real));
    let total = 0;
    for (const e of cache.values()) total += e.size;
    for (const [k, e] of cache) {
      if (total <= totalMax || e === entry) break;
      cache.delete(k);
      total -= e.size;
    }
    return data;
  };

  return async (filename, client) => {
    const name = normaliseTftpPath(filename);
    const gen = virtual.get(name);
    if (gen) {
      const content = await gen(client);
      if (content === null) return null;
      return typeof content === 'string' || content instanceof Uint8Array ? bufferSource(content) : content;
    }
    // Cached once found; a root that does not exist yet is looked up again at the next request.
    const looked = (realRoot ??= fs.realpath(opts.root));
    const root = await looked.catch((err: unknown) => {
      if (realRoot === looked) realRoot = null;
      throw err;
    });
    let real: string;
    try {
      real = await realpath(path.join(root, name));
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return null;
      if (code === 'EACCES' || code === 'ELOOP') throw denied(code);
      throw err;
    }
    if (!isInside(root, real)) throw denied('outside the TFTP root'); // symlink escaping the root
    const st = await stat(real).catch((err: unknown) => {
      if (errnoOf(err) === 'ENOENT') return null; // removed meanwhile
      throw err;
    });
    if (!st || st.isDirectory()) return null;
    if (!st.isFile()) throw denied('not a regular file');
    if (st.size <= fileMax) return { ...bufferSource(await cached(real, st)), file: real };
    return openFileSource(real);
  };
}

/** A large file read with positioned reads; the handle is closed when the transfer ends. */
export async function openFileSource(file: string): Promise<TftpSource> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (errnoOf(err) === 'EACCES') throw denied('EACCES');
    throw err;
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw denied('not a regular file');
  }
  return {
    size: st.size,
    file,
    async read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break; // EOF: the file shrank; the transfer reports it
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    },
    close: () => fh.close(),
  };
}

/** Tries resolvers in order; the first non-null source wins (e.g. per-host files, then disk). */
export function chainResolvers(...resolvers: TftpResolver[]): TftpResolver {
  return async (filename, client) => {
    for (const r of resolvers) {
      const src = await r(filename, client);
      if (src) return src;
    }
    return null;
  };
}
