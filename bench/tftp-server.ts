// Corral's TFTP server for bench/tftp.sh and bench/tftp-many.ts, which start it inside their private
// namespace: serves $TFTP_ROOT on $LAB_SERVER_IP:69 (TFTP_PORT overrides the port) until
// SIGTERM/SIGINT, then prints its stats on stderr. `--check` only loads the modules and exits
// (warms the tsx cache before timed runs).
// As the appliance runs it: in its worker threads (src/boot/tftp-thread.ts), TFTP_WORKERS of them
// (default: one per core, at most 4). TFTP_IN_THREAD=1 drives the library on this thread instead.
// Run (from the repository root): node --import tsx bench/tftp-server.ts

import { createTftpThread } from '../src/boot/tftp-thread.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger, type LogLevel } from '../src/lib/log.js';
import { createFileResolver } from '../src/tftp/files.js';
import { createTftpPump, findTftpPump } from '../src/tftp/pump.js';
import { createTftpServer, type TftpServerOptions, type TftpStats } from '../src/tftp/server.js';

interface Running {
  stats(): TftpStats;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) return;
  const root = process.env.TFTP_ROOT;
  if (!root) {
    process.stderr.write('TFTP_ROOT is not set\n');
    process.exit(2);
  }
  const log = createLogger({ level: (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'warn' });
  // TFTP_CACHE_FILE_MAX_BYTES: files up to this size are served from memory (default 8 MiB)
  const cache = { fileMaxBytes: Number(process.env.TFTP_CACHE_FILE_MAX_BYTES ?? 8 << 20), totalMaxBytes: 128 << 20 };
  const options: Partial<TftpServerOptions> = {
    host: process.env.LAB_SERVER_IP ?? '127.0.0.1',
    port: Number(process.env.TFTP_PORT ?? 69),
    ...(process.env.TFTP_BUSY_POLL_US !== undefined && { busyPollUs: Number(process.env.TFTP_BUSY_POLL_US) }), // 0: off
  };
  let running: Running;
  let what: string;
  if (process.env.TFTP_IN_THREAD === '1') {
    const bin = findTftpPump(); // CORRAL_TFTP_PUMP=off: none
    const pump = bin ? createTftpPump({ bin, log }) : undefined;
    const server = createTftpServer({
      ...(pump && { pump }),
      clock: systemClock,
      log,
      resolve: createFileResolver({ root, cacheFileMaxBytes: cache.fileMaxBytes, cacheTotalMaxBytes: cache.totalMaxBytes }),
      options,
    });
    const a = await server.listen();
    running = { stats: () => server.stats(), stop: () => server.close().then(() => pump?.close()) };
    what = `${a.address}:${a.port}, on the main thread`;
  } else {
    const threads = createTftpThread({
      log,
      options,
      root: () => root,
      bootUrl: 'http://127.0.0.1',
      sent: () => undefined,
      cache,
      ...(process.env.TFTP_WORKERS !== undefined && { workers: Number(process.env.TFTP_WORKERS) }),
    });
    const port = await threads.start();
    running = { stats: () => threads.stats(), stop: () => threads.stop() };
    what = `${options.host}:${port}, ${threads.workers()} worker thread(s)`;
  }
  process.stderr.write(`corral tftp listening on ${what}, root ${root}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running.stop().finally(() => {
      process.stderr.write(`corral tftp stats ${JSON.stringify(running.stats())}\n`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`corral tftp: cannot listen: ${String(err)}\n`);
  process.exit(1);
});
