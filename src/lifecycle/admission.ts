// Per-host rules that hold whatever the rollout limits say (pure): the first half of the one
// decision on starting provisioning (docs/lifecycle.md, "What starts provisioning"). The
// rollout plan (rollout.ts) applies them to every candidate, the orchestrator to every API
// request, and they name what a network-booting host that is not started is told.
import type { Host, HostRuntime, ProvisionMode, Workflow } from '../model/index.js';
import { isBusy } from './states.js';

export type GateCode = 'never_provision' | 'no_workflow' | 'busy' | 'maintenance';

export interface Gate {
  code: GateCode;
  reason: string;
}

/** Why the host may not start a run at all now, or undefined when the limits decide. */
export function gate(host: Host, rt: HostRuntime | undefined, workflow: Workflow | undefined): Gate | undefined {
  if (host.neverProvision) return { code: 'never_provision', reason: 'never_provision is set' };
  if (!workflow) return { code: 'no_workflow', reason: 'no workflow or role' };
  if (isBusy(rt)) return { code: 'busy', reason: `already ${rt!.state}` };
  if (rt?.state === 'maintenance') return { code: 'maintenance', reason: 'in maintenance' };
  return undefined;
}

/**
 * What a host that network-booted, passes the gate and is not a candidate of the plan is told.
 * A failed host waits for an operator on every boot: its firmware falling back to the network is
 * no request to try again (the no-loop promise; a SoT change or an API request is).
 */
export function idleReason(rt: HostRuntime | undefined, mode: ProvisionMode): string {
  const state = rt?.state ?? 'inactive';
  if (state === 'active') return 'already installed; booting from disk (ask to re-provision it)';
  if (state === 'failed') return `failed: waiting for an operator${rt?.lastError ? ` (${rt.lastError})` : ''}`;
  if (mode === 'on-demand') return 'on-demand site: waiting for a provisioning request';
  return `${state}: waiting for a provisioning request`;
}
