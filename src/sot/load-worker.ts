// Worker thread: the whole SoT load (read, hash, YAML, build, cross-check) and the last-good copy,
// away from the thread that answers DHCP, TFTP and HTTP. The result goes back in pieces the main
// thread asks for one at a time (load-off-thread.ts), so taking it in never blocks that thread for
// longer than one piece takes to deserialize.
import { parentPort, workerData } from 'node:worker_threads';
import { setThreadNice } from '../lib/thread-priority.js';
import { loadSot } from './load.js';
import { saveLastGood } from './last-good.js';
import { slicePieces, type LoadRequest, type FromWorker, type Piece } from './load-pieces.js';

const req = workerData as LoadRequest;
const port = parentPort!;
// A reload is background work: on a 2-core box it must not take the CPU from the boot services.
setThreadNice(10);

async function main(): Promise<void> {
  const res = await loadSot(req.root);
  // An unchanged revision is not sent at all: the main thread keeps the Sot it has.
  const send = res.ok && res.sot.revision !== req.skipRevision;
  let saveError: string | undefined;
  if (send && req.lastGoodDir) await saveLastGood(req.lastGoodDir, res.files).catch((e: Error) => (saveError = e.message));
  const { hosts, sites, clusters, oses, boots, workflows, assets, roles, pools, ...shell } = res.sot;
  const arrays = { problems: res.problems, ...(send && { hosts, sites, clusters, oses, boots, workflows, assets, roles, pools }) };
  const pieces: Piece[] = slicePieces(arrays, req.pieceBytes);
  port.on('message', (i: number) => port.postMessage({ kind: 'piece', piece: pieces[i]! } satisfies FromWorker));
  port.postMessage({ kind: 'head', revision: res.sot.revision, ok: res.ok, sent: send, shell, pieces: pieces.length, ...(saveError && { saveError }) } satisfies FromWorker);
}

main().catch((e: unknown) => port.postMessage({ kind: 'failed', message: e instanceof Error ? e.message : String(e) } satisfies FromWorker));
