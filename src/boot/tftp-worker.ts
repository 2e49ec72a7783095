// One TFTP worker thread (tftp-thread.ts starts one or more). TFTP shares nothing with the main
// thread's event loop: a long API request, a SoT reload or garbage collection of the main heap
// cannot stretch a lock-step round trip (RFC 1350: every block waits for the previous ACK).
// A worker owns its sockets and transfers and resolves files itself (the root folder comes from
// the main thread, again whenever it changes); a file read to its end is posted to the main
// thread as { ip, file }, where the client map names the host.
// Worker 0 listens on the TFTP port and hands each new client's request to the least busy worker
// (src/tftp/dispatch.ts), itself included, over a MessageChannel; the chosen worker opens the
// transfer's own socket (its TID, RFC 1350 §4), so that client's ACKs reach that thread directly.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { systemClock } from '../lib/clock.js';
import { perTurn } from '../lib/per-turn.js';
import { setThreadNice } from '../lib/thread-priority.js';
import { TftpDispatcher } from '../tftp/dispatch.js';
import { createTftpPump, type TftpPump } from '../tftp/pump.js';
import { createTftpServer, type TftpServer } from '../tftp/server.js';
import type { UdpPeer } from '../tftp/udp.js';
import { changedStatsPoster, failedMessage, postingLogger } from './service-worker.js';
import { createBootFiles } from './tftp-files.js';
import type { FromTftpWorker, TftpPeerMessage, TftpWorkerInit, ToTftpWorker } from './tftp-messages.js';

const parent = parentPort!;
// Ahead of the API and background work when allowed (root or CAP_SYS_NICE), behind DHCP (-5),
// whose replies are fewer and more urgent; a no-op otherwise.
setThreadNice(-3);
const init = workerData as TftpWorkerInit;
const post = (m: FromTftpWorker) => parent.postMessage(m);

const log = postingLogger(post, init.workers > 1 ? { worker: init.index } : {}, init.logLevel);
const keyOf = (c: UdpPeer) => `${c.address}:${c.port}`;
let root = init.root;

// Worker 0 of several: which worker serves whom, and the channel to each.
const dispatcher = init.index === 0 && init.workers > 1 ? new TftpDispatcher(init.workers, init.options.maxTransfers ?? 256) : undefined;
const peers: (MessagePort | null)[] = new Array<MessagePort | null>(init.workers).fill(null);
function attachPeer(i: number, p: MessagePort | null): void {
  peers[i]?.close();
  peers[i] = p;
  dispatcher?.setUp(i, false); // whatever the old one served is gone with it
  if (!p) return;
  dispatcher?.setUp(i, true);
  p.on('message', (m: TftpPeerMessage) => {
    if (m.kind === 'ended') dispatcher?.ended(i, m.key, m.open);
  });
}
// Workers 1..: the channel to worker 0.
let listener: MessagePort | null = null;
function attachListener(p: MessagePort): void {
  listener?.close();
  listener = p;
  p.on('message', (m: TftpPeerMessage) => {
    if (m.kind === 'rrq') server?.accept(Buffer.from(m.msg.buffer, m.msg.byteOffset, m.msg.byteLength), { address: m.address, port: m.port });
  });
}

// Files sent, posted once per event-loop turn: a message wakes the main thread, and a hundred
// clients finishing together would wake it a hundred times.
const sentFiles = perTurn<{ ip: string; file: string }>((files) => post({ kind: 'sent', files }));
const postSent = (ip: string, file: string) => sentFiles.push({ ip, file });

let server: TftpServer | undefined;
// The data phase of files on disk runs in the pump when it was built (src/tftp/pump.ts).
const pumpBin = init.pump;
const pump: TftpPump | undefined = pumpBin ? createTftpPump({ bin: pumpBin, log }) : undefined;
let statsTimer: ReturnType<typeof setInterval> | undefined;
const sendStats = changedStatsPoster(() => server?.stats(), (stats) => post({ kind: 'stats', stats }));

async function start(): Promise<void> {
  const s = createTftpServer({
    clock: systemClock,
    log,
    resolve: createBootFiles({ root: () => root, bootUrl: init.bootUrl, blocking: true, ...(init.cache && { cache: init.cache }), sent: postSent }),
    // Only worker 0 receives requests on the TFTP port; the others' listening socket is an
    // ephemeral one, from which they answer refusals (an ERROR may come from any port: it ends
    // the exchange, RFC 1350 §7).
    options: { ...init.options, ...(init.index > 0 && { port: 0 }) },
    ...(pump && { pump }),
    ...(dispatcher && {
      dispatch: (msg: Buffer, from: UdpPeer) => {
        const w = dispatcher.route(keyOf(from));
        if (w < 0) return 'busy' as const;
        const p = peers[w];
        if (w === 0 || !p) return 'here' as const;
        // A copy: the datagram's Buffer may be a view on a larger one, all of which would be cloned.
        const m: TftpPeerMessage = { kind: 'rrq', msg: new Uint8Array(msg), address: from.address, port: from.port };
        p.postMessage(m);
        return 'elsewhere' as const;
      },
    }),
    onSessionEnd: (client, open) => {
      if (dispatcher) dispatcher.ended(0, keyOf(client), open);
      else listener?.postMessage({ kind: 'ended', key: keyOf(client), open } satisfies TftpPeerMessage);
    },
  });
  init.peers?.forEach((p, i) => i > 0 && attachPeer(i, p));
  if (init.listener) attachListener(init.listener);
  server = s;
  const bound = await s.listen().catch((e: unknown) => {
    server = undefined;
    throw e;
  });
  statsTimer = setInterval(sendStats, init.statsMs);
  if (init.index === 0) {
    if (pumpBin) log.info('tftp: files on disk are sent by the pump', { bin: pumpBin });
    else log.info('tftp: no pump (scripts/build-native.mjs builds it); transfers run in JavaScript');
  }
  parent.on('message', (m: ToTftpWorker) => {
    switch (m.kind) {
      case 'root':
        root = m.root;
        return;
      case 'peer':
        return attachPeer(m.index, m.port);
      case 'listener':
        return attachListener(m.port);
      default:
        void stop();
    }
  });
  post({ kind: 'started', port: bound.port });
}

async function stop(): Promise<void> {
  if (statsTimer) clearInterval(statsTimer);
  await server?.close();
  await pump?.close();
  sendStats();
  for (const p of peers) p?.close();
  listener?.close();
  post({ kind: 'stopped' });
  parent.close();
}

start().catch((e: unknown) => {
  post(failedMessage(e));
  for (const p of peers) p?.close();
  listener?.close();
  parent.close();
});
