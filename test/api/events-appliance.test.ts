// The appliance's own events (src/lifecycle/appliance-events.ts), as the event stream shows
// them: SoT loads and rejected reloads, boot services started, failed and stopped.

import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { journalApplianceEvents } from '../../src/lifecycle/appliance-events.js';
import type { HostEvent } from '../../src/model/index.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import type { BootServices } from '../../src/boot/services.js';
import { MemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));

function sotFolder(files: Record<string, string | null>): { dir: string; live: LiveSot } {
  const w = writeSot(files);
  const live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  cleanups.push(() => {
    live.stop();
    w.cleanup();
  });
  return { dir: w.dir, live };
}

/** The events of the next commit of `store`. */
function nextCommit(store: MemoryStore): Promise<HostEvent[]> {
  return new Promise((resolve) => {
    const off = store.subscribe((events) => {
      off();
      resolve(events);
    });
  });
}

const SECRET = 'do-not-journal-me';
const BROKEN_RACK = `id: rack\n---\nname: h1\ninterfaces: [ {mac: "${SECRET}"\n`;

const boot: Pick<BootServices, 'status'> = {
  status: () => ({
    dhcp: { state: 'running', address: '10.1.0.2:67' },
    tftp: { state: 'failed', reason: 'UDP 10.1.0.2:69 is already in use (another DHCP/TFTP/HTTP server running?)' },
    http: { state: 'off', reason: 'disabled' },
  }),
};

it('journals the first load, the boot services, later loads and rejected reloads, and the shutdown', async () => {
  const { dir, live } = sotFolder(BASE);
  assert.equal(await live.reload(), true);
  const first = live.status().revision!;
  const store = new MemoryStore();
  let commit = nextCommit(store);
  const stop = journalApplianceEvents({ sot: live, store, clock: systemClock, log: nullLogger, boot });
  assert.deepEqual(
    (await commit).map((e) => [e.subject, e.type, e.data]),
    [
      ['appliance', 'sot.loaded', { revision: first, previous: null, sites: 1, clusters: 1, hosts: 2, warnings: 0 }],
      ['appliance', 'service.started', { service: 'dhcp', address: '10.1.0.2:67' }],
      ['appliance', 'service.failed', { service: 'tftp', reason: 'UDP 10.1.0.2:69 is already in use (another DHCP/TFTP/HTTP server running?)' }],
    ],
  );

  writeFileSync(join(dir, 'sites/s1/rack.yml'), BROKEN_RACK);
  commit = nextCommit(store);
  assert.equal(await live.reload(), false);
  const [rejected] = await commit;
  assert.equal(rejected?.type, 'sot.rejected');
  const { revision, errors, warnings, serving } = rejected!.data as Record<string, unknown>;
  assert.notEqual(revision, first);
  assert.ok(typeof errors === 'number' && errors >= 1);
  assert.equal(warnings, 0);
  assert.equal(serving, first);
  assert.ok(!JSON.stringify(rejected).includes(SECRET), 'no file contents in the journal');

  writeFileSync(join(dir, 'sites/s1/rack.yml'), BASE['sites/s1/rack.yml']!.replace('name: h2', 'name: h3'));
  commit = nextCommit(store);
  assert.equal(await live.reload(), true);
  const [reloaded] = await commit;
  assert.equal(reloaded?.type, 'sot.loaded');
  assert.equal(reloaded?.data?.['previous'], first);
  assert.equal(reloaded?.data?.['revision'], live.status().revision);

  await stop();
  assert.deepEqual((await store.events()).slice(-1).map((e) => [e.type, e.data]), [['service.stopped', { service: 'dhcp' }]]);
  // Stopped: later reloads are not journalled by it any more.
  const before = store.lastSeq();
  writeFileSync(join(dir, 'sites/s1/rack.yml'), BASE['sites/s1/rack.yml']!);
  assert.equal(await live.reload(), true);
  assert.equal(store.lastSeq(), before);
  assert.deepEqual(store.listenerErrors, []);
});

it('a SoT with errors from the start is journalled as rejected, serving nothing', async () => {
  const { live } = sotFolder({ ...BASE, 'sites/s1/rack.yml': BROKEN_RACK });
  assert.equal(await live.reload(), false);
  const store = new MemoryStore();
  const commit = nextCommit(store);
  const stop = journalApplianceEvents({ sot: live, store, clock: systemClock, log: nullLogger });
  const events = await commit;
  assert.deepEqual(events.map((e) => e.type), ['sot.rejected']);
  assert.equal(events[0]!.data?.['serving'], null);
  await stop();
  assert.equal(store.lastSeq(), 1, 'no boot services: nothing stopped');
});
