// A world for the vNext server tests (seed 002): the planner SoT (hardware classes: one 16G,
// two 64G/500G, one 96G, one 128G, one 256G, all in an on-demand site) plus a wipe workflow, a
// fake orchestrator that records what it is asked, a fake BMC, a fake clock, and a way to move
// a machine's lifecycle the way the runner does (record + journal event with new_state).
import { ApplianceError, type LifecycleState, type ProvisionStage } from '../../src/model/index.js';
import type { Orchestrator } from '../../src/lifecycle/orchestrator.js';
import type { PowerPort } from '../../src/lifecycle/power-effects.js';
import type { Lifecycle } from '../../src/lifecycle/runner.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { PLANNER_SOT } from '../api/plans-world.js';
import { testApi, type TestApi } from '../api/support.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { waitFor } from '../fakes/wait.js';
import request from 'supertest';

export const SERVER_SOT: Record<string, string> = {
  ...PLANNER_SOT,
  'workflows/wipe.yml': `id: wipe
workflow:
  - boot: b1
`,
};

export const MID = 'c8-m64g-d500g';
export const BIG = 'c8-m256g-d2t';

export interface World extends TestApi {
  clock: FakeClock;
  /** A second user, who must not see dev's servers. */
  eve: string;
  provisions: { host: string; workflow: string | undefined }[];
  reclaims: { host: string; workflow: string | undefined }[];
  powers: { host: string; action: string }[];
  /** Hosts whose provisioning request the fake orchestrator refuses. */
  refuse: Set<string>;
  /** Hosts without a BMC Corral can drive. */
  manual: Set<string>;
  move(host: string, state: LifecycleState, stage?: ProvisionStage, lastError?: string): Promise<void>;
}

export async function serverWorld(opts: { power?: boolean } = {}): Promise<World> {
  const clock = new FakeClock();
  const store = createMemoryStore();
  const provisions: World['provisions'] = [];
  const reclaims: World['reclaims'] = [];
  const powers: World['powers'] = [];
  const refuse = new Set<string>();
  const manual = new Set<string>();
  const orchestrator = {
    requestProvision: async (host: string, o?: { workflow?: string }) => {
      if (refuse.has(host)) throw new ApplianceError('CONFLICT', `host "${host}" is in maintenance`);
      provisions.push({ host, workflow: o?.workflow });
      return store.get('hosts', host);
    },
    requestReclaim: async (host: string, workflow?: string) => {
      reclaims.push({ host, workflow });
      return store.get('hosts', host);
    },
  } as unknown as Orchestrator;
  const power: PowerPort = {
    bootPxeOnce: async () => 'done',
    power: async (host, action) => {
      powers.push({ host, action });
      return manual.has(host) ? 'manual' : 'done';
    },
    status: async (host) => (powers.filter((p) => p.host === host).at(-1)?.action === 'off' ? 'off' : 'on'),
  };
  const lifecycle = {
    recordPower: async (host: string, p: 'on' | 'off' | 'unknown') => {
      await store.transact((tx) => {
        const rt = tx.get('hosts', host);
        if (rt) tx.put('hosts', host, { ...rt, power: p });
        tx.event({ subject: host, type: 'power.state', data: { power: p } });
      });
    },
  } as unknown as Lifecycle;
  const deps: Partial<ApiDeps> = { store, orchestrator, ...(opts.power !== false && { power, lifecycle }) };
  const t = await testApi({ files: SERVER_SOT, clock, deps });
  const eve = (await t.app.auth.tokens.create('eve', 'user')).token;
  const move = async (host: string, state: LifecycleState, stage?: ProvisionStage, lastError?: string) => {
    await store.transact((tx) => {
      const rt = tx.get('hosts', host)!;
      const next = { ...rt, state, since: clock.now(), ...(lastError && { lastError }) };
      if (stage) next.stage = stage;
      else delete next.stage;
      tx.put('hosts', host, next);
      tx.event({ subject: host, type: 'test.moved', data: { new_state: state, new_stage: stage ?? null } });
    });
  };
  return { ...t, clock, eve, provisions, reclaims, powers, refuse, manual, move };
}

export const bearer = (tok: string) => ({ Authorization: `Bearer ${tok}` });

/** Launches a server as `token` and returns the 202's body. */
export async function launch(w: World, body: Record<string, unknown>, token = w.user, project = 'web') {
  const r = await request(w.app).post(`/v1/projects/${project}/servers`).set(bearer(token)).send(body).expect(202);
  return r.body as { server: { id: string; _elevated?: { host: string } } & Record<string, unknown>; task: { id: string; state: string } & Record<string, unknown> };
}

/** The task once its state is `state` (the tracker applies changes after the commit that caused them). */
export async function taskIn(w: World, id: string, state: string) {
  return waitFor(
    async () => {
      const r = await request(w.app).get(`/v1/server_tasks/${id}`).set(bearer(w.admin));
      return r.body.state === state ? (r.body as Record<string, unknown> & { items: { action: string; state: string }[]; message: string | null }) : undefined;
    },
    { what: `task ${id} ${state}` },
  );
}

/** The machine a server runs on (admins see it). */
export async function hostOf(w: World, serverId: string): Promise<string> {
  const r = await request(w.app).get(`/v1/servers/${serverId}`).set(bearer(w.admin)).expect(200);
  return r.body._elevated.host as string;
}
