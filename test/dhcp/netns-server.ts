// Child entry of netns.test.ts: runs Corral's DHCP server (real LiveSot from a SoT folder, real
// durable store) inside a network namespace, which a Node process cannot enter by itself.
// Usage: ip netns exec NS node --import tsx netns-server.ts --sot DIR --data DIR --address IP
// Prints "READY {ports}" once serving; on SIGTERM prints "STATS {json}" and exits.
import { parseArgs } from 'node:util';
import { liveDhcpBackend } from '../../src/boot/dhcp-backend.js';
import { createDhcpServer } from '../../src/dhcp/server.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/log.js';
import { createLifecycle } from '../../src/lifecycle/runner.js';
import { createLiveSot } from '../../src/sot/live.js';
import { openStore } from '../../src/store/lowdb-store.js';

const { values } = parseArgs({ options: { sot: { type: 'string' }, data: { type: 'string' }, address: { type: 'string' } } });
const log = createLogger({ level: 'warn' });
const sot = createLiveSot({ root: values.sot!, clock: systemClock, log });
if (!(await sot.reload())) throw new Error('SoT does not load');
const store = await openStore({ dir: values.data!, log });
const lifecycle = createLifecycle({ store, clock: systemClock, log });
const address = values.address!;
const server = createDhcpServer({
  backend: liveDhcpBackend({ sot, store, lifecycle }),
  clock: systemClock, log,
  config: { address, interface: 'br0', httpBase: `http://${address}:8080`, scriptUrl: (mac) => `http://${address}:8080/ipxe?mac=${mac}` },
});
await server.start();
process.stdout.write(`READY ${JSON.stringify(server.ports())}\n`);
process.on('SIGTERM', () => {
  process.stdout.write(`STATS ${JSON.stringify(server.stats())}\n`);
  void server.stop().then(() => store.close()).finally(() => process.exit(0));
});
