// Provisioning runs and boot steps read from a host's journal (GET /v1/hosts/{id}/events):
// a run starts when the host enters `provisioning` and ends when it leaves it (active/failed/...).
import { get } from './api';
import type { HostRow } from './hosts';

export interface Run {
  host: string;
  start: number;
  end: number;
  outcome: string;
  /** ms from the run's start to the first of each boot step, when seen. */
  steps: Record<string, number>;
}

export const BOOT_STEPS = ['dhcp.acked', 'ipxe.served', 'kernel.fetched', 'checkpoint'] as const;

export function runsOf(host: string, events: { at: string; type: string; data?: Record<string, any> }[]): Run[] {
  const runs: Run[] = [];
  let cur: { start: number; steps: Record<string, number> } | undefined;
  for (const e of events) {
    const at = Date.parse(e.at);
    const ns = e.data?.new_state as string | undefined;
    if (ns === 'provisioning' && !cur) {
      cur = { start: at, steps: {} };
      continue;
    }
    if (cur && (BOOT_STEPS as readonly string[]).includes(e.type) && cur.steps[e.type] === undefined) cur.steps[e.type] = at - cur.start;
    if (cur && ns && ns !== 'provisioning') {
      runs.push({ host, start: cur.start, end: at, outcome: ns, steps: cur.steps });
      cur = undefined;
    }
  }
  return runs;
}

/** Runs of the hosts that changed state most recently (at most `max` hosts, 6 requests at a time). */
export async function recentRuns(hosts: HostRow[], max = 24): Promise<Run[]> {
  const picked = hosts
    .filter((h) => h.state !== 'inactive' && h.state !== 'discovered')
    .sort((a, b) => Date.parse(b.since ?? '') - Date.parse(a.since ?? ''))
    .slice(0, max);
  const out: Run[] = [];
  const queue = [...picked];
  const worker = async () => {
    for (let h = queue.shift(); h; h = queue.shift()) {
      const evs = await get<any[]>(`/v1/hosts/${encodeURIComponent(h.id)}/events?limit=500`).catch(() => []);
      out.push(...runsOf(h.id, evs));
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return out.sort((a, b) => b.end - a.end);
}
