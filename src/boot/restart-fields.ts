// What the boot services take from the SoT once, at start, and so cannot follow a reload (pure):
// the interface they are bound to. Everything else they read from the SoT being served, per
// reply or per request (DHCP options, lease time, gateway/DNS, dhcp_mode, base_dir) or on each
// load (ipv6_ra). A changed start-only field is listed, with where it is written, so a reload
// never looks as if it had taken effect when it has not.
import type { Sot } from '../model/index.js';

export interface RestartNeeded {
  /** e.g. "sites[s1].agents[a1].interface" */
  field: string;
  /** The value the running services started with (null: not set). */
  from: string | null;
  to: string | null;
  file: string;
  line: number;
}

interface Setting {
  value: string | null;
  file: string;
  line: number;
}

/** The start-only settings of a SoT, by field path. */
export function startOnlySettings(sot: Sot | undefined): Map<string, Setting> {
  const out = new Map<string, Setting>();
  for (const site of sot?.sites ?? []) {
    for (const agent of site.agents) {
      out.set(`sites[${site.id}].agents[${agent.name}].interface`, { value: agent.interface ?? null, file: site.source.file, line: site.source.line });
    }
  }
  return out;
}

/** The start-only fields whose value differs now from what the services started with. */
export function restartNeeded(started: Map<string, Setting>, now: Map<string, Setting>): RestartNeeded[] {
  const out: RestartNeeded[] = [];
  for (const [field, cur] of now) {
    const was = started.get(field)?.value ?? null;
    if (cur.value !== was) out.push({ field, from: was, to: cur.value, file: cur.file, line: cur.line });
  }
  for (const [field, was] of started) {
    if (!now.has(field) && was.value !== null) out.push({ field, from: was.value, to: null, file: was.file, line: was.line });
  }
  return out;
}
