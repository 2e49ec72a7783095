// What Corral serves over TFTP: the iPXE binaries (first stage only; everything else goes over
// HTTP) and a generated boot.ipxe that chains to the HTTP service. A file read to its end is a
// `tftp.sent` event for the host behind that address (OVMF's aborted size probe, RFC 2349 tsize
// asked and the transfer ended after the OACK, is not).
// The TFTP workers (tftp-worker.ts) resolve files with createBootFiles and post each file sent to
// the main thread, which alone knows the hosts (the client map): sentReporter turns it into the
// lifecycle event there. createTftpResolver does both on one thread.
import type { LiveSot } from '../sot/live.js';
import type { Lifecycle } from '../lifecycle/runner.js';
import { chainResolvers, createFileResolver, type TftpResolver } from '../tftp/files.js';
import type { TftpSource } from '../tftp/source.js';
import type { ClientMap } from './client-map.js';

export interface BootFilesOptions {
  /** The folder, or a function read at each request (it may follow the SoT). */
  root: string | (() => string);
  bootUrl: string;
  /** A file was read to its end for the client at `ip`. */
  sent?: (ip: string, file: string) => void;
  /** Files up to fileMaxBytes are kept in memory, at most totalMaxBytes in all (files.ts). */
  cache?: { fileMaxBytes?: number; totalMaxBytes?: number };
  /** Blocking name lookups (files.ts `blocking`): in the TFTP workers. */
  blocking?: boolean;
}

export function createBootFiles(opts: BootFilesOptions): TftpResolver {
  // One file resolver per root (it caches the root's real path and small files): the last one.
  let current: { root: string; resolve: TftpResolver } | undefined;
  const resolverFor = (root: string): TftpResolver => {
    if (current?.root !== root) {
      const files = createFileResolver({
        root,
        virtual: { 'boot.ipxe': () => `#!ipxe\nchain ${opts.bootUrl}/ipxe?mac=\${netX/mac}\n` },
        ...(opts.cache?.fileMaxBytes !== undefined && { cacheFileMaxBytes: opts.cache.fileMaxBytes }),
        ...(opts.cache?.totalMaxBytes !== undefined && { cacheTotalMaxBytes: opts.cache.totalMaxBytes }),
        ...(opts.blocking && { blocking: true }),
      });
      current = { root, resolve: chainResolvers(files) };
    }
    return current.resolve;
  };
  return async (filename, client) => {
    const src = await resolverFor(typeof opts.root === 'function' ? opts.root() : opts.root)(filename, client);
    if (!src || !opts.sent) return src;
    const sent = opts.sent;
    return reportingWhenDone(src, () => sent(client.address, filename));
  };
}

export interface TftpFilesOptions {
  /** The folder, or a function read at each request (it may follow the SoT). */
  root: string | (() => string);
  bootUrl: string;
  sot: LiveSot;
  clients: ClientMap;
  lifecycle: Lifecycle;
}

/** On the main thread: a file sent to `ip` is a `tftp.sent` event of the host behind it, if known. */
export function sentReporter(clients: ClientMap, lifecycle: Lifecycle): (ip: string, file: string) => void {
  return (ip, file) => {
    const hostId = clients.hostFor(ip);
    if (hostId) void lifecycle.report(hostId, { type: 'tftp.sent', file }, { ip }).catch(() => undefined);
  };
}

/** The boot files and their `tftp.sent` reports on one thread (the library driven directly). */
export function createTftpResolver(opts: TftpFilesOptions): TftpResolver {
  return createBootFiles({ root: opts.root, bootUrl: opts.bootUrl, sent: sentReporter(opts.clients, opts.lifecycle) });
}

function reportingWhenDone(src: TftpSource, done: () => void): TftpSource {
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    done();
  };
  return {
    size: src.size,
    ...(src.file !== undefined && { file: src.file }),
    read(offset, length) {
      if (offset + length >= src.size) report();
      return src.read(offset, length);
    },
    // A pumped transfer (src/tftp/pump.ts) never calls read(): its completion is the report.
    close(completed) {
      if (completed) report();
      return src.close?.(completed);
    },
  };
}
