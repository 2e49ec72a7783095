// A pool-sized SoT (an on-demand site of five hosts, an auto site of one, two pools, a wipe
// workflow) and a fake orchestrator that records what it is asked and lets a test move hosts
// through their lifecycle by writing runtime records, as the runner would.
import { BASE } from '../sot/helpers.js';
import type { Store } from '../../src/store/store.js';
import type { HostRuntime, LifecycleState } from '../../src/model/index.js';

function host(name: string, n: number, memory: string): string {
  return `---
name: ${name}
interfaces:
  - type: physical
    mac: 52:54:00:00:02:${n.toString(16).padStart(2, '0')}
    subnet: net
    ipv4: 10.2.0.${20 + n}
hardware: {cpu_cores: 8, memory: ${memory}, disks: [{size: 500G}]}
labels: {rack: r${n % 2}}
`;
}

export const POOL_SOT: Record<string, string> = {
  ...BASE,
  'sites/od/env.yml': `id: od
name: On demand
mode: on-demand
subnets:
  - id: net
    cidr: 10.2.0.0/24
    domain: pool.example.com
agents:
  - name: a1
    asset_server: {addr: 10.2.0.2, port: 8080, scheme: http}
    dhcp_mode: server
`,
  'sites/od/rack.yml': `id: rack
${host('p1', 1, '64G')}${host('p2', 2, '64G')}${host('p3', 3, '64G')}${host('p4', 4, '64G')}${host('small', 5, '8G')}`,
  'workflows/rhel.yml': `id: rhel
workflow:
  - boot: b1
`,
  'workflows/wipe.yml': `id: wipe
workflow:
  - boot: b1
`,
  'pools/centos.yml': `name: centos-7-x86_64
aliases: [centos, el7]
workflow: rhel
size: 2
selector: {site: od, min_memory: 32G}
lifetime: 2h
max_lifetime: 12h
`,
  'pools/tiny.yml': `name: tiny
workflow: wf
size: 0
selector: {site: od}
`,
};

export interface Call {
  op: 'provision' | 'reclaim';
  host: string;
  workflow?: string | undefined;
}

export function fakeOrchestrator(): { calls: Call[]; requestProvision: (h: string, o?: { workflow?: string }) => Promise<undefined>; requestReclaim: (h: string, wf?: string) => Promise<undefined> } {
  const calls: Call[] = [];
  return {
    calls,
    requestProvision: async (host, o) => {
      calls.push({ op: 'provision', host, workflow: o?.workflow });
      return undefined;
    },
    requestReclaim: async (host, wf) => {
      calls.push({ op: 'reclaim', host, workflow: wf ?? 'wipe' });
      return undefined;
    },
  };
}

/** Moves a host's runtime record as the lifecycle runner would (with an event, so subscribers hear it). */
export async function become(store: Store, id: string, state: LifecycleState, workflow?: string, at?: number): Promise<void> {
  await store.transact((tx) => {
    const rt = tx.get('hosts', id) as HostRuntime;
    const next: HostRuntime = { ...rt, state, ...(workflow && { workflow }), ...(at !== undefined && { since: at }) };
    tx.put('hosts', id, next);
    tx.event({ subject: id, type: 'test.state', data: { new_state: state } });
  });
}
