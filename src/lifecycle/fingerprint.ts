// What a host should run, as one string: its workflow, each boot's OS (id, versions, kernel,
// initrds, command line) and unattended file, and its role version. A change re-provisions an
// installed host in an auto site; metadata, labels and template wording do not.
//
// A host with a role assigned through the API (src/roles/assignment.ts) runs that role's version,
// and its fingerprint ends in "/<tag>" naming the assignment (role, version, custom settings):
// the lifecycle stores the fingerprint of each run it starts and of the last that succeeded, so
// the store records which role version a host was given and which it runs, across restarts.
// Hosts without one keep the fingerprint they always had, so upgrading Corral re-provisions nothing.
import { createHash } from 'node:crypto';
import type { Host, Sot } from '../model/index.js';
import { desiredWorkflow, roleNamed, roleTag, sotActiveVersion, TAG_SEPARATOR, type ActiveVersionOf, type RoleAssignment } from '../roles/assignment.js';

export interface FingerprintOptions {
  /** The host's API-assigned role (HostRuntime.role). */
  assignment?: RoleAssignment | undefined;
  /** Active role versions (the API's overrides); default the SoT's. */
  activeVersion?: ActiveVersionOf;
}

export function desiredFingerprint(sot: Sot, host: Host, opts: FingerprintOptions = {}): string | undefined {
  const activeVersion = opts.activeVersion ?? sotActiveVersion;
  const wf = desiredWorkflow(sot, host, opts.assignment, activeVersion);
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
  if (opts.assignment) role = `${opts.assignment.name}@${opts.assignment.version}`;
  else if (host.role) {
    const r = roleNamed(sot, host.role.name);
    role = `${host.role.name}@${host.role.version ?? (r ? activeVersion(r) : '')}`;
  }
  const text = JSON.stringify({ workflow: wf.id, boots, role });
  const fp = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return opts.assignment ? `${fp}${TAG_SEPARATOR}${roleTag(opts.assignment)}` : fp;
}
