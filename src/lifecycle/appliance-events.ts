// Journals what Corral itself does, as events with subject "appliance", so the journal (and
// the live stream, GET /v1/events) shows them beside the hosts' events:
//
//   sot.loaded       a SoT revision is now served: {revision, previous, sites, clusters, hosts,
//                    warnings, fromLastGood?}
//   sot.rejected     a reload had errors and the last good revision stays: {revision, errors,
//                    warnings, serving}. Counts only: problem messages quote SoT files, and the
//                    journal is no place for their contents (GET /v1/sot shows the problems).
//   service.started  a boot service is answering: {service, address}
//   service.failed   a boot service could not start: {service, reason}
//   service.stopped  appliance shutdown, as the boot services are about to close: {service}
//
// Called once the SoT has had its first load and the boot services were started; what happened
// before the call is journalled from their status, later SoT loads as they happen.

import type { BootServices } from '../boot/services.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Problem, Sot } from '../model/index.js';
import type { LiveSot } from '../sot/live.js';
import type { EventInput, Store } from '../store/store.js';

export const APPLIANCE_SUBJECT = 'appliance';

export interface ApplianceEventDeps {
  sot: Pick<LiveSot, 'on' | 'off' | 'status' | 'current'>;
  store: Store;
  clock: Clock;
  log: Logger;
  /** Absent when serve runs without boot services. */
  boot?: Pick<BootServices, 'status'> | undefined;
}

type Fact = Omit<EventInput, 'subject' | 'at'>;

/** Starts journalling; returns what the appliance calls as it shuts down. */
export function journalApplianceEvents(deps: ApplianceEventDeps): () => Promise<void> {
  const pending = new Set<Promise<void>>();
  const journal = (facts: Fact[]): void => {
    if (facts.length === 0) return;
    const at = deps.clock.now();
    const p = deps.store
      .transact((tx) => {
        for (const f of facts) tx.event({ subject: APPLIANCE_SUBJECT, at, ...f });
      })
      .catch((e: unknown) => deps.log.warn('cannot journal appliance events', { types: facts.map((f) => f.type), error: e instanceof Error ? e.message : String(e) }))
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const onLoaded = (next: Sot, previous: Sot | undefined) => journal([loaded(next, previous, deps.sot.status())]);
  const onRejected = (problems: Problem[]) => journal([rejected(deps.sot.status().lastAttempt?.revision, problems, deps.sot.status().revision)]);

  // What happened before this call: the outcome of the first load, and the boot services.
  const status = deps.sot.status();
  const first: Fact[] = [];
  if (status.lastAttempt && !status.lastAttempt.ok) first.push(rejected(status.lastAttempt.revision, status.lastAttempt.problems, status.revision));
  const current = deps.sot.current();
  if (current) first.push(loaded(current, undefined, status));
  const services = deps.boot?.status();
  for (const [service, s] of Object.entries(services ?? {})) {
    if (s.state === 'running') first.push({ type: 'service.started', data: { service, address: s.address } });
    else if (s.state === 'failed') first.push({ type: 'service.failed', data: { service, reason: s.reason } });
  }
  journal(first);
  deps.sot.on('loaded', onLoaded);
  deps.sot.on('rejected', onRejected);

  return async () => {
    deps.sot.off('loaded', onLoaded);
    deps.sot.off('rejected', onRejected);
    const running = Object.entries(deps.boot?.status() ?? {}).filter(([, s]) => s.state === 'running');
    journal(running.map(([service]) => ({ type: 'service.stopped', data: { service } })));
    await Promise.all([...pending]);
  };
}

function loaded(sot: Sot, previous: Sot | undefined, status: ReturnType<LiveSot['status']>): Fact {
  const data: Record<string, unknown> = {
    revision: sot.revision,
    previous: previous?.revision ?? null,
    sites: sot.sites.length,
    clusters: sot.clusters.length,
    hosts: sot.hosts.length,
    warnings: status.problems.filter((p) => p.severity === 'warning').length,
  };
  if (status.fromLastGood) data['fromLastGood'] = true;
  return { type: 'sot.loaded', data };
}

function rejected(revision: string | undefined, problems: Problem[], serving: string | undefined): Fact {
  return {
    type: 'sot.rejected',
    data: {
      revision: revision ?? null,
      errors: problems.filter((p) => p.severity === 'error').length,
      warnings: problems.filter((p) => p.severity === 'warning').length,
      serving: serving ?? null,
    },
  };
}
