// Who is calling back, and may it? The authenticated routes of boot HTTP
//   /checkpoint/<secret>/<mac>/<boot>[/<n>]   /config/<secret>/<mac>?boot=<id>
// name a host by MAC and prove it with the secret of the host's current boot attempt
// (callback-secret.ts); then the call must fit that attempt: the boot the host is in, checkpoints
// in order, a host in a run. Refusals are answered 403 (who) or 409 (when), counted by reason and
// never journalled; boot-http.ts only routes and answers.
import type { Host, HostRuntime, Mac, Sot, Workflow } from '../model/index.js';
import type { Logger } from '../lib/log.js';
import { discoveredHostId, parseMac } from '../lib/mac.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';
import { bootAttemptOf, isBusy } from '../lifecycle/machine.js';
import { workflowOf } from '../render/render.js';
import { looksLikeSecret, type CallbackSecrets } from './callback-secret.js';
import { discoveryTarget } from './discovery.js';

export type RefusalReason = 'missing_secret' | 'bad_secret' | 'stale_secret' | 'unknown_host' | 'wrong_boot' | 'out_of_sequence' | 'not_busy';

export const REFUSAL_STATUS = {
  missing_secret: 403,
  bad_secret: 403,
  stale_secret: 403,
  unknown_host: 403,
  wrong_boot: 409,
  out_of_sequence: 409,
  not_busy: 409,
} as const satisfies Record<RefusalReason, 403 | 409>;

// An unknown MAC reads like a wrong secret, so the answer does not say which MACs exist.
export const REFUSAL_TEXT = {
  missing_secret: 'refused: no callback secret in the URL (use the URL rendered into the host\'s script)\n',
  bad_secret: 'refused: unknown host or wrong callback secret\n',
  unknown_host: 'refused: unknown host or wrong callback secret\n',
  stale_secret: 'refused: secret of an earlier boot attempt\n',
  wrong_boot: 'refused: not the boot the host is in\n',
  out_of_sequence: 'refused: checkpoint out of sequence\n',
  not_busy: 'refused: host is not provisioning or reclaiming\n',
} as const satisfies Record<RefusalReason, string>;

export interface Refusal {
  refused: RefusalReason;
  /** The host, when the MAC named one (for the rate-limited log). */
  hostId?: string;
}

/** A caller proven by the secret of its host's current boot attempt. */
export interface Caller {
  sot: Sot;
  host: Host;
  mac: Mac;
  rt: HostRuntime;
  workflow: Workflow | undefined;
  bootIndex: number;
  /** The boot the host is in: its workflow's boot at bootIndex. */
  bootId: string | undefined;
  attempt: string;
  secret: string;
  /** An unknown MAC booting its site's discovery workflow. */
  discovered: boolean;
}

export interface CallerDeps {
  sot: LiveSot;
  store: Store;
  secrets: CallbackSecrets;
}

export const isRefusal = (x: object): x is Refusal => 'refused' in x;

/** The secret the host's scripts carry now, or undefined when it is in no run (scripts then carry none). */
export function currentSecret(secrets: CallbackSecrets, hostId: string, rt: HostRuntime | undefined, discovered = false): string | undefined {
  if (!rt || !(isBusy(rt) || (discovered && rt.state === 'discovered'))) return undefined;
  return secrets.secretFor(hostId, bootAttemptOf(rt));
}

export function identifyCaller(deps: CallerDeps, secretText: string | undefined, macText: string | undefined): Caller | Refusal {
  if (!secretText || !looksLikeSecret(secretText)) return { refused: 'missing_secret' };
  const sot = deps.sot.current();
  const mac = macText ? parseMac(macText) : undefined;
  if (!sot || !mac) return { refused: 'unknown_host' };
  let host: Host;
  let workflow: Workflow | undefined;
  let discovered = false;
  const known = deps.sot.index().hostsByMac.get(mac);
  let rt: HostRuntime | undefined;
  if (known) {
    host = known.host;
    rt = deps.store.get('hosts', host.id);
    // The workflow of the run in progress, or of the last run (whose final checkpoint may be retried).
    workflow = (rt?.workflow !== undefined && sot.workflows.find((w) => w.id === rt!.workflow)) || workflowOf(sot, host);
  } else {
    rt = deps.store.get('hosts', discoveredHostId(mac));
    const found = discoveryTarget(sot, rt, mac);
    if (!found) return { refused: 'unknown_host' };
    ({ host, workflow } = found);
    discovered = true;
  }
  if (!rt) return { refused: 'unknown_host', hostId: host.id };
  const attempt = bootAttemptOf(rt);
  if (!deps.secrets.matches(secretText, host.id, attempt)) {
    return { refused: deps.secrets.isStale(secretText, host.id, attempt) ? 'stale_secret' : 'bad_secret', hostId: host.id };
  }
  const bootIndex = discovered ? 0 : rt.bootIndex;
  return { sot, host, mac, rt, workflow, bootIndex, bootId: workflow?.boots[bootIndex], attempt, secret: secretText, discovered };
}

export type CheckpointVerdict = { accept: number; checkpoints: number } | { repeat: number } | Refusal;

/**
 * Whether checkpoint `nText` of `bootId` fits the caller's attempt: the next one is accepted; one
 * already counted is acknowledged again (installers retry) but not journalled; anything else is
 * out of sequence. Absent n means the next one, or, once the boot's last checkpoint was counted
 * and the run is over, a retry of that last one (the lab payload retries the same URL). Pure: the
 * machine checks attempt and order again inside the transaction.
 */
export function checkpointVerdict(c: Caller, bootId: string, nText: string | undefined): CheckpointVerdict {
  const hostId = c.host.id;
  if (bootId !== c.bootId) return { refused: 'wrong_boot', hostId };
  const checkpoints = (c.discovered ? undefined : c.rt.checkpointsPerBoot?.[c.bootIndex]) ?? c.sot.boots.find((b) => b.id === bootId)?.checkpoints ?? 1;
  const counted = c.rt.checkpoint;
  const allCounted = !isBusy(c.rt) && counted >= Math.max(checkpoints, 1);
  const n = nText === undefined ? (allCounted ? counted : counted + 1) : /^[1-9][0-9]{0,5}$/.test(nText) ? Number(nText) : undefined;
  if (n === undefined) return { refused: 'out_of_sequence', hostId };
  if (n <= counted) return { repeat: n };
  if (!isBusy(c.rt) && !c.discovered) return { refused: 'not_busy', hostId };
  if (n !== counted + 1 || (c.discovered && n > checkpoints)) return { refused: 'out_of_sequence', hostId };
  return { accept: n, checkpoints };
}

/** Whether the caller may read its unattended file for `bootId` (absent = its current boot). */
export function configVerdict(c: Caller, bootId: string | null): Refusal | undefined {
  if (!isBusy(c.rt) && !c.discovered) return { refused: 'not_busy', hostId: c.host.id };
  if (bootId !== null && bootId !== c.bootId) return { refused: 'wrong_boot', hostId: c.host.id };
  return undefined;
}

export const MAX_QUERY_PARAMS = 8;
const KEY_RE = /^[A-Za-z0-9_.-]{1,32}$/;
const MAX_VALUE = 256;

/**
 * What an accepted checkpoint journals from the client's query: at most MAX_QUERY_PARAMS
 * parameters with short plain keys and values of at most 256 characters; the rest is only counted.
 */
export function callbackData(query: URLSearchParams, ip: string): Record<string, unknown> {
  const data: Record<string, unknown> = { ip };
  let kept = 0;
  let dropped = 0;
  for (const [k, v] of query) {
    if (kept < MAX_QUERY_PARAMS && KEY_RE.test(k) && v.length <= MAX_VALUE && !(`q_${k}` in data)) {
      data[`q_${k}`] = v;
      kept++;
    } else dropped++;
  }
  if (dropped) data.q_dropped = dropped;
  return data;
}

/** Logs a refusal at most once per host (or client address) per interval, with how many were not logged. */
export function createRefusalLog(log: Logger, now: () => number, intervalMs = 60_000, maxKeys = 4096) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key: string, fields: Record<string, unknown>) => {
    const t = now();
    const seen = last.get(key);
    if (seen && t - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    // Bounded: a flood from many addresses forgets old entries rather than growing without limit.
    if (!seen && last.size >= maxKeys) last.clear();
    last.set(key, { at: t, suppressed: 0 });
    log.warn('boot callback refused', { ...fields, ...(seen?.suppressed && { suppressed: seen.suppressed }) });
  };
}

/** The request path with any secret segment masked, for logs. */
export function redactPath(url: string | undefined): string {
  const parts = (url ?? '').split('?')[0]!.split('/').filter(Boolean);
  const name = (p: string) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  };
  // Routed after percent-decoding, so matched the same way (/%63heckpoint/... is a checkpoint).
  if (parts.length > 1 && ['checkpoint', 'config'].includes(name(parts[0]!))) parts[1] = '<secret>';
  return `/${parts.join('/')}`;
}
