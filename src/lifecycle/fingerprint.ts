// What a host should run, as one string: its workflow, each boot's OS (id, versions, kernel,
// initrds, command line) and unattended file, and its role version. A change re-provisions an
// installed host in an auto site; metadata, labels and template wording do not.
import { createHash } from 'node:crypto';
import type { Host, Sot } from '../model/index.js';
import { workflowOf } from '../render/render.js';

export function desiredFingerprint(sot: Sot, host: Host): string | undefined {
  const wf = workflowOf(sot, host);
  if (!wf) return undefined;
  const boots = wf.boots.map((id) => {
    const b = sot.boots.find((x) => x.id === id);
    const os = b ? sot.oses.find((o) => o.id === b.os) : undefined;
    return {
      id,
      unattended: b?.unattended ?? null,
      checkpoints: b?.checkpoints ?? 1,
      os: os ? { id: os.id, major: os.majorVersion, minor: os.minorVersion, kernel: os.kernel, initrd: os.initrd, cmdline: os.cmdline } : null,
    };
  });
  let role: string | null = null;
  if (host.role) {
    const r = sot.roles.find((x) => x.name === host.role!.name);
    role = `${host.role.name}@${host.role.version ?? r?.activeVersion ?? ''}`;
  }
  const text = JSON.stringify({ workflow: wf.id, boots, role });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
