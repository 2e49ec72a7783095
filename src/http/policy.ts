// Which iPXE script a known host gets (pure): its workflow's current boot, or "exit" to boot the
// next device. An installed (active) host that network-boots by itself must not be wiped by a
// reinstall it did not ask for: it boots its disk, as MAAS does with deployed machines.
import type { Host, HostRuntime, ProvisionMode, Workflow } from '../model/index.js';

export type ScriptDecision =
  | { kind: 'boot'; startProvisioning: boolean }
  | { kind: 'exit'; reason: string };

export function decideScript(host: Host, rt: HostRuntime | undefined, workflow: Workflow | undefined, mode: ProvisionMode): ScriptDecision {
  if (host.neverProvision) return { kind: 'exit', reason: 'never_provision is set' };
  if (!workflow) return { kind: 'exit', reason: 'no workflow or role' };
  const state = rt?.state ?? 'inactive';
  switch (state) {
    case 'provisioning':
    case 'reclaiming':
      return { kind: 'boot', startProvisioning: false };
    case 'inactive':
    case 'failed':
    case 'discovered':
      // auto: a machine that network-boots by itself gets what the SoT says it runs.
      // on-demand: nothing is installed until the API asks.
      if (mode === 'on-demand') return { kind: 'exit', reason: 'on-demand site: waiting for a provisioning request' };
      return { kind: 'boot', startProvisioning: true };
    case 'active':
      return { kind: 'exit', reason: 'already installed; booting from disk (ask to re-provision it)' };
    case 'maintenance':
      return { kind: 'exit', reason: 'in maintenance' };
  }
}
