// The operator API alone, for `bench/api.ts --api-only`: the appliance's own store, SoT, auth and
// createApi on 127.0.0.1, without the lifecycle runner, the orchestrator and the boot services.
// Measured beside the full appliance, it tells the API's latency from what background work
// (the orchestrator's planning pass over every host, every 2 s) adds to it.
//   node --import tsx bench/api-server.ts --sot <dir> --data <dir>
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createApi } from '../src/api/app.js';
import { applianceNames } from '../src/api/auth/guards.js';
import { ensureLocalToken } from '../src/api/auth/local-token.js';
import { createAuthServices } from '../src/api/auth/services.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/log.js';
import { syncHostRecords } from '../src/lifecycle/sync.js';
import { createLiveSot } from '../src/sot/live.js';
import { openStore } from '../src/store/lowdb-store.js';

const { values } = parseArgs({ options: { sot: { type: 'string' }, data: { type: 'string' } } });
if (!values.sot || !values.data) throw new Error('usage: api-server.ts --sot <dir> --data <dir>');
const log = createLogger({ level: 'warn' });
const store = await openStore({ dir: values.data, clock: systemClock, log });
const sot = createLiveSot({ root: values.sot, clock: systemClock, log, pollMs: 0 });
if (!(await sot.reload())) throw new Error('the SoT did not load');
await syncHostRecords(store, sot.current()!, systemClock.now());
const auth = createAuthServices(store, systemClock);
await ensureLocalToken(values.data, auth.tokens);
const app = createApi({ sot, store, clock: systemClock, log, version: 'bench', auth, security: { requireReadToken: false, names: applianceNames(['127.0.0.1']) } });
const server = createServer(app);
server.listen(0, '127.0.0.1', () => {
  // The line bench/api.ts waits for, as `corral serve` prints it.
  process.stderr.write(`api-server serving ${values.sot} on http://127.0.0.1:${(server.address() as AddressInfo).port}/v1\n`);
});
process.once('SIGTERM', () => {
  server.close();
  app.events.close();
  void auth.tokens.stop().then(() => store.close());
});
