// Runs Corral's IPv6 RA sender on the interface named in argv (inside a test's network namespace)
// until killed; prints "started" once startRaSender resolved, and each log line as JSON.
import { startRaSender } from '../../src/boot/ipv6-ra.js';
import type { Logger } from '../../src/lib/log.js';

const line = (level: string) => (msg: string, fields?: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ level, msg, ...fields })}\n`);
const log = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error'), child: () => log } as unknown as Logger;
await startRaSender(process.argv[2]!, log, 200);
process.stdout.write('started\n');
setInterval(() => {}, 1 << 30);
