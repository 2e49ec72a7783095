// A boot HTTP service handed a real orchestrator over one SoT, store and lifecycle, as the
// appliance wires them: the one-owner tests fetch host scripts over a loopback socket and look at
// what the orchestrator decided (docs/lifecycle.md, "What starts provisioning").
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBootHttp } from '../../src/boot/boot-http.js';
import { createCallbackSecrets } from '../../src/boot/callback-secret.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { createLifecycle, type Lifecycle } from '../../src/lifecycle/runner.js';
import { createOrchestrator, type Orchestrator } from '../../src/lifecycle/orchestrator.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { createClientMap } from '../../src/boot/client-map.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMemoryStore, type MemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';

export interface OneOwnerWorld {
  base: string;
  store: MemoryStore;
  live: LiveSot;
  lifecycle: Lifecycle;
  orch: Orchestrator;
  /** The SoT folder (to edit and reload). */
  dir: string;
  /** Power and PXE effects asked for, as "host:kind[:action]". */
  effects: string[];
  /** GET of the host's boot script, as firmware fetches it. */
  script(mac: string, query?: string): Promise<string>;
  /** Event types journalled for the host. */
  events(host: string): Promise<string[]>;
  close(): Promise<void>;
}

/** BASE's auto site s1 (h1, h2 with workflow wf), plus `files`. */
export async function oneOwnerWorld(files: Record<string, string | null>, opts: { stormLimit?: number } = {}): Promise<OneOwnerWorld> {
  const { dir, cleanup } = writeSot({ ...BASE, ...files });
  const live = createLiveSot({ root: dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  assert.equal(await live.reload(), true, 'the test SoT loads');
  const store = createMemoryStore();
  await syncHostRecords(store, live.current()!, Date.now());
  const effects: string[] = [];
  const lifecycle = createLifecycle({
    store,
    clock: systemClock,
    log: nullLogger,
    effects: { run: (id, e) => void effects.push(`${id}:${e.kind}${'action' in e ? `:${e.action}` : ''}`) },
  });
  const orch = createOrchestrator({ sot: live, store, lifecycle, clock: systemClock, log: nullLogger }, { ...(opts.stormLimit !== undefined && { stormLimit: opts.stormLimit }) });
  let base = '';
  const boot = createBootHttp({ sot: live, store, lifecycle, orchestrator: orch, log: nullLogger, secrets: createCallbackSecrets(Buffer.alloc(32, 9)), clients: createClientMap(), baseUrl: () => base });
  const server = createServer(boot.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    store,
    live,
    lifecycle,
    orch,
    dir,
    effects,
    async script(mac, query = '') {
      const res = await fetch(`${base}/ipxe/${mac}${query}`);
      assert.equal(res.status, 200);
      return res.text();
    },
    events: async (host) => (await store.events({ subject: host })).map((e) => e.type),
    async close() {
      lifecycle.stop();
      orch.stop();
      live.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      cleanup();
    },
  };
}

export const MAC1 = '52:54:00:00:00:01';
export const MAC2 = '52:54:00:00:00:02';

/** One more host of site s1 (MAC 52:54:00:00:0a:<n>), with `extra` YAML lines. */
export const hostYaml = (name: string, n: number, extra: string) => `---\nname: ${name}\ninterfaces:\n  - mac: 52:54:00:00:0a:0${n}\n    subnet: net\n${extra}`;

export const isBoot = (text: string) => /\nkernel /.test(text);
export const isExit = (text: string, reason: RegExp) => /\nexit 1\n/.test(text) && !/\nkernel /.test(text) && reason.test(text);
export const isWait = (text: string, reason: RegExp) => /\nsleep \d+ /.test(text) && /\nchain --replace /.test(text) && reason.test(text);
