// A host's serial console log: what its firmware, boot loader and installer printed. Corral does
// not capture consoles itself; it serves files a console capturer writes, one per host, named
// <host>.log in --console-dir (the virtual lab's QEMU machines write there; on real hardware an
// IPMI SOL or conserver logger can).
import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { servedHost, type ApiDeps } from '../deps.js';
import { route, type AnyRoute } from '../http/route.js';
import { Id } from '../http/schemas.js';

const DEFAULT_TAIL = 65_536;
const MAX_TAIL = 4 * 1024 * 1024;

export function consoleRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/v1/hosts/{id}/console',
      family: 'operator',
      access: 'read',
      tags: ['hosts'],
      summary: "The end of the host's serial console log",
      description: `The last \`tail\` bytes (default ${DEFAULT_TAIL}, at most ${MAX_TAIL}) of the console log, as text. X-Console-Size gives the whole log's size, so a client can poll with a growing offset.`,
      params: z.strictObject({ id: Id }),
      query: z.strictObject({ tail: z.coerce.number().int().min(1).max(MAX_TAIL).optional().describe('bytes from the end') }),
      responses: { 200: { description: 'console text', contentType: 'text/plain' }, 404: { description: 'HOST_NOT_FOUND, or no console is captured for this host' } },
      handler: ({ params, query, res }) => {
        const host = servedHost(deps, params.id);
        if (!deps.consoleDir) throw new ApplianceError('NOT_FOUND', 'no console capture is configured (corral serve --console-dir)');
        if (host.id.includes('/') || host.id.startsWith('.')) throw new ApplianceError('NOT_FOUND', `no console log for host "${host.id}"`);
        let fd: number;
        try {
          fd = openSync(join(deps.consoleDir, `${host.id}.log`), 'r');
        } catch {
          throw new ApplianceError('NOT_FOUND', `no console log for host "${host.id}"`);
        }
        try {
          const size = fstatSync(fd).size;
          const want = Math.min(size, query.tail ?? DEFAULT_TAIL);
          const buf = Buffer.alloc(want);
          const n = want ? readSync(fd, buf, 0, want, size - want) : 0;
          res.status(200).set('x-console-size', String(size)).type('text/plain; charset=utf-8').send(buf.subarray(0, n).toString('utf8').replace(/\r/g, ''));
        } finally {
          closeSync(fd);
        }
        return undefined;
      },
    }),
  ];
}
