// Lifecycle state groups, defined once: the machine, the rollout, the orchestrator and boot
// HTTP's policy all ask "is this host in a run?" and must agree on the answer.
import type { HostRuntime, LifecycleState } from '../model/index.js';

/** In a run: a workflow (install or wipe) is booting the host. Only these take boot progress and callbacks. */
export const BUSY_STATES: readonly LifecycleState[] = ['provisioning', 'reclaiming'];

/** The host (or state) is in a run; an absent record is not. */
export function isBusy(h: Pick<HostRuntime, 'state'> | LifecycleState | undefined): boolean {
  const state = typeof h === 'string' ? h : h?.state;
  return state !== undefined && BUSY_STATES.includes(state);
}
