// An operator API over a small SoT and the in-memory store, with an admin and a user token,
// for route tests that need no socket of their own (supertest binds an ephemeral one).
import { createApi, type CorralApi } from '../../src/api/app.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { nullLogger, type Logger } from '../../src/lib/log.js';
import type { Clock } from '../../src/lib/clock.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';
import type { ApiDeps } from '../../src/api/deps.js';
import type { Store } from '../../src/store/store.js';

export interface TestApi {
  app: CorralApi;
  live: LiveSot;
  store: Store;
  admin: string;
  user: string;
  cleanup: () => void;
}

export async function testApi(opts: { files?: Record<string, string | null>; clock?: Clock; log?: Logger; deps?: Partial<ApiDeps> } = {}): Promise<TestApi> {
  const w = writeSot(opts.files ?? BASE);
  const clock = opts.clock ?? systemClock;
  const live = createLiveSot({ root: w.dir, clock, log: nullLogger, pollMs: 0 });
  if (!(await live.reload())) throw new Error('test SoT did not load');
  const store = opts.deps?.store ?? createMemoryStore();
  await syncHostRecords(store, live.current()!, clock.now());
  const app = createApi({ sot: live, store, clock, log: opts.log ?? nullLogger, version: 'test', ...opts.deps });
  const admin = (await app.auth.tokens.create('ops', 'admin')).token;
  const user = (await app.auth.tokens.create('dev', 'user')).token;
  return {
    app,
    live,
    store,
    admin,
    user,
    cleanup: () => {
      live.stop();
      w.cleanup();
    },
  };
}
