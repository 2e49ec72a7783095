// Corral's TFTP server for bench/tftp.sh, which starts it inside its private lab namespace:
// serves $TFTP_ROOT on $LAB_SERVER_IP:69 (TFTP_PORT overrides the port) until SIGTERM/SIGINT,
// then prints its stats on stderr. `--check` only loads the modules and exits (warms the tsx
// cache before timed runs).
// Run (from the repository root): node --import tsx bench/tftp-server.ts

import { systemClock } from '../src/lib/clock.js';
import { createLogger, type LogLevel } from '../src/lib/log.js';
import { createFileResolver } from '../src/tftp/files.js';
import { createTftpServer } from '../src/tftp/server.js';

function main(): void {
  if (process.argv.includes('--check')) return;
  const root = process.env.TFTP_ROOT;
  if (!root) {
    process.stderr.write('TFTP_ROOT is not set\n');
    process.exit(2);
  }
  const log = createLogger({ level: (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'warn' });
  const server = createTftpServer({
    clock: systemClock,
    log,
    // TFTP_CACHE_FILE_MAX_BYTES: files up to this size are served from memory (default 8 MiB)
    resolve: createFileResolver({ root, cacheFileMaxBytes: Number(process.env.TFTP_CACHE_FILE_MAX_BYTES ?? 8 << 20), cacheTotalMaxBytes: 128 << 20 }),
    options: {
      host: process.env.LAB_SERVER_IP ?? '127.0.0.1',
      port: Number(process.env.TFTP_PORT ?? 69),
      ...(process.env.TFTP_BUSY_POLL_US !== undefined && { busyPollUs: Number(process.env.TFTP_BUSY_POLL_US) }), // 0: off
    },
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server.close().finally(() => {
      process.stderr.write(`corral tftp stats ${JSON.stringify(server.stats())}\n`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  server.listen().then(
    (a) => process.stderr.write(`corral tftp listening on ${a.address}:${a.port}, root ${root}\n`),
    (err: unknown) => {
      process.stderr.write(`corral tftp: cannot listen: ${String(err)}\n`);
      process.exit(1);
    },
  );
}

main();
