// Carries out the starts of a rollout plan: one `provision.requested` per host, with what its
// workflow's boots need. Only the orchestrator calls it, after the plan decided (orchestrator.ts).
import type { Sot } from '../model/index.js';
import type { Logger } from '../lib/log.js';
import type { Lifecycle } from './runner.js';
import type { RolloutPlan } from './rollout.js';

export async function startRuns(deps: { lifecycle: Lifecycle; log: Logger }, sot: Sot, starts: RolloutPlan['start']): Promise<void> {
  for (const s of starts) {
    const wf = sot.workflows.find((w) => w.id === s.workflow)!;
    try {
      await deps.lifecycle.report(
        s.hostId,
        {
          type: 'provision.requested',
          workflow: wf.id,
          boots: wf.boots.length,
          checkpoints: wf.boots.map((b) => sot.boots.find((x) => x.id === b)?.checkpoints ?? 1),
          reason: s.reason,
          ...(s.fingerprint && { fingerprint: s.fingerprint }),
          // The machine is network-booting now: this boot is the run's first attempt.
          ...(s.alreadyBooting && { alreadyBooting: true }),
        },
        { reason: s.reason, ...(s.role && { role: s.role.name, role_version: s.role.version }) },
      );
      deps.log.info('provisioning started', { host: s.hostId, workflow: wf.id, reason: s.reason, ...(s.alreadyBooting && { network_boot: true }), ...(s.role && { role: `${s.role.name}@${s.role.version}` }) });
    } catch (e) {
      deps.log.warn('cannot start provisioning', { host: s.hostId, error: (e as Error).message });
    }
  }
}
