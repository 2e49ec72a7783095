// What Corral serves over TFTP: the iPXE binaries (first stage only; everything else goes over
// HTTP) and a generated boot.ipxe that chains to the HTTP service. A file read to its end is a
// `tftp.sent` event for the host behind that address (OVMF's aborted size probe is not).
import type { LiveSot } from '../sot/live.js';
import type { Lifecycle } from '../lifecycle/runner.js';
import { chainResolvers, createFileResolver, type TftpResolver } from '../tftp/files.js';
import type { TftpSource } from '../tftp/source.js';
import type { ClientMap } from './client-map.js';

export interface TftpFilesOptions {
  /** The folder, or a function read at each request (it may follow the SoT). */
  root: string | (() => string);
  bootUrl: string;
  sot: LiveSot;
  clients: ClientMap;
  lifecycle: Lifecycle;
}

export function createTftpResolver(opts: TftpFilesOptions): TftpResolver {
  // One file resolver per root (it caches the root's real path and small files).
  const byRoot = new Map<string, TftpResolver>();
  const resolverFor = (root: string): TftpResolver => {
    let r = byRoot.get(root);
    if (!r) {
      r = chainResolvers(createFileResolver({ root, virtual: { 'boot.ipxe': () => `#!ipxe\nchain ${opts.bootUrl}/ipxe?mac=\${netX/mac}\n` } }));
      byRoot.set(root, r);
    }
    return r;
  };
  return async (filename, client) => {
    const src = await resolverFor(typeof opts.root === 'function' ? opts.root() : opts.root)(filename, client);
    if (!src) return src;
    const hostId = opts.clients.hostFor(client.address);
    return hostId ? reportingWhenDone(src, () => void opts.lifecycle.report(hostId, { type: 'tftp.sent', file: filename }, { ip: client.address }).catch(() => undefined)) : src;
  };
}

function reportingWhenDone(src: TftpSource, done: () => void): TftpSource {
  let reported = false;
  return {
    size: src.size,
    read(offset, length) {
      if (!reported && offset + length >= src.size) {
        reported = true;
        done();
      }
      return src.read(offset, length);
    },
    ...(src.close && { close: () => src.close!() }),
  };
}
