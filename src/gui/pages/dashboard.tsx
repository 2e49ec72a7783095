// Dashboard: boot services, hosts by lifecycle state, what is provisioning now, failures,
// live events and charts of recent runs. Everything updates from the event stream.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get } from '../api';
import { onEvents, recent, type CorralEvent } from '../events';
import { countByState, hostsState, LIFECYCLE_STATES, rows } from '../hosts';
import { elapsed, eventSummary } from '../format';
import { href } from '../router';
import { useStore, useTick } from '../state';
import { recentRuns, type Run } from '../runs';
import { Badge, ErrorMsg, Section, useLoad } from '../components/ui';
import { BootChart, RunChart } from '../components/charts';

function Services() {
  const svc = useLoad(() => get<Record<string, any>>('/v1/services'), []);
  useEffect(() => onEvents((evs) => evs.some((e) => e.type.startsWith('service.')) && svc.reload()), []);
  if (svc.error) return <ErrorMsg error={svc.error} />;
  if (!svc.data) return <p class="muted">…</p>;
  // Services are the entries with a state; `restart_needed` lists SoT changes that only a restart applies.
  const services = Object.entries(svc.data).filter(([, s]) => s && typeof s === 'object' && 'state' in s);
  const restart: any[] = Array.isArray(svc.data.restart_needed) ? svc.data.restart_needed : [];
  return (
    <>
    {restart.length ? (
      <p class="msg warn" role="status" data-testid="restart-needed">
        Restart needed to apply: {restart.map((r) => `${r.field} ${r.from ?? ''} → ${r.to ?? ''}${r.file ? ` (${r.file}:${r.line ?? '?'})` : ''}`).join('; ')}
      </p>
    ) : null}
    <ul class="services">
      {services.map(([name, s]) => (
        <li class={`svc ${s.state === 'running' || s.state === 'up' ? 'up' : 'down'}`} key={name} data-testid={`svc-${name}`}>
          <strong>{name.toUpperCase()}</strong> <Badge state={s.state} />
          {s.reason ? <div class="small">{s.reason}</div> : null}
          <dl class="counters small">
            {Object.entries(s)
              .filter(([k, v]) => k !== 'state' && k !== 'reason' && (typeof v === 'number' || typeof v === 'string'))
              .map(([k, v]) => (
                <span key={k}>
                  <dt>{k}</dt>
                  <dd>{String(v)}</dd>
                </span>
              ))}
            {s.counters
              ? Object.entries(s.counters as Record<string, unknown>).map(([k, v]) => (
                  <span key={k}>
                    <dt>{k}</dt>
                    <dd>{String(v)}</dd>
                  </span>
                ))
              : null}
          </dl>
        </li>
      ))}
    </ul>
    </>
  );
}

function LiveEvents() {
  const [list, setList] = useState<CorralEvent[]>(() => recent.slice(-40));
  useEffect(() => onEvents(() => setList(recent.slice(-40))), []);
  if (list.length === 0) return <p class="muted">Waiting for events…</p>;
  return (
    <ol class="events" aria-live="polite" data-testid="live-events">
      {[...list].reverse().map((e) => (
        <li key={e.seq}>
          <time>{new Date(e.at).toLocaleTimeString()}</time> <code>{e.type}</code>{' '}
          {e.subject !== 'appliance' ? <a href={href(`/hosts/${encodeURIComponent(e.subject)}`)}>{e.subject}</a> : <span class="muted">appliance</span>}{' '}
          <span class="muted small">{eventSummary(e.data)}</span>
        </li>
      ))}
    </ol>
  );
}

export function Dashboard() {
  const hs = useStore(hostsState);
  useTick(1000);
  const all = rows();
  const counts = useMemo(() => countByState(all), [hs.version]);
  const busy = all.filter((h) => h.state === 'provisioning' || h.state === 'reclaiming');
  const failed = all.filter((h) => h.state === 'failed');
  const [runs, setRuns] = useState<Run[] | undefined>();
  // Charts read the journal of recently changed hosts once the list is in, and when runs end.
  useEffect(() => {
    if (!hs.done) return;
    let live = true;
    void recentRuns(rows()).then((r) => live && setRuns(r));
    return () => {
      live = false;
    };
  }, [hs.done, counts.active, counts.failed]);
  return (
    <div class="grid">
      <h1 class="span">Dashboard</h1>
      <Section title="Boot services" id="svc-h">
        <Services />
      </Section>
      <Section title="Hosts by state" id="states-h">
        <p class="small muted" role="status" data-testid="hosts-progress">
          {hs.done ? `${hs.loaded} hosts` : `loading hosts… ${hs.loaded}`}
        </p>
        <ErrorMsg error={hs.error} />
        <ul class="states">
          {LIFECYCLE_STATES.map((s) => (
            <li key={s}>
              <a href={href(`/hosts?state=${s}`)} class={`tile st-${s}`} data-testid={`count-${s}`} data-count={counts[s] ?? 0}>
                <span class="n">{counts[s] ?? 0}</span>
                <span class="label">{s}</span>
              </a>
            </li>
          ))}
        </ul>
      </Section>
      <Section title={`Provisioning now (${busy.length})`} id="busy-h">
        {busy.length === 0 ? (
          <p class="muted">Nothing is provisioning.</p>
        ) : (
          <table class="compact" data-testid="busy">
            <thead>
              <tr><th scope="col">Host</th><th scope="col">State</th><th scope="col">Stage</th><th scope="col">Elapsed</th></tr>
            </thead>
            <tbody>
              {busy.slice(0, 50).map((h) => (
                <tr key={h.id}>
                  <td><a href={href(`/hosts/${encodeURIComponent(h.id)}`)}>{h.name}</a></td>
                  <td><Badge state={h.state} /></td>
                  <td>{h.stage ?? '–'}</td>
                  <td>{elapsed(h.since)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title={`Failures (${failed.length})`} id="failed-h">
        {failed.length === 0 ? (
          <p class="muted">No failed hosts.</p>
        ) : (
          <ul class="failures" data-testid="failures">
            {failed.slice(0, 30).map((h) => (
              <li key={h.id}>
                <a href={href(`/hosts/${encodeURIComponent(h.id)}`)}>{h.name}</a>: <span>{h.lastError ?? 'no reason recorded'}</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Provisioning durations" id="runs-h">
        {runs ? <RunChart runs={runs} /> : <p class="muted">Reading recent runs…</p>}
      </Section>
      <Section title="Boot steps" id="boot-h">
        {runs ? <BootChart runs={runs} /> : <p class="muted">Reading recent runs…</p>}
      </Section>
      <section class="card span" aria-labelledby="ev-h">
        <h2 id="ev-h">Recent events</h2>
        <LiveEvents />
      </section>
    </div>
  );
}
