// Host detail: facts, interfaces, BMC (type and address only), power and lifecycle actions,
// the live timeline, boot previews and the console log.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api';
import { onEvents, type CorralEvent } from '../events';
import { bytes, elapsed, eventSummary, time } from '../format';
import { href } from '../router';
import { useTick } from '../state';
import { ActionButton, ActionResultLine, Badge, ErrorMsg, Loading, Section, useLoad, type ActionResult } from '../components/ui';
import { TextPanel } from '../components/text-panel';

type Ev = Pick<CorralEvent, 'seq' | 'at' | 'type' | 'data'>;

function Timeline({ id }: { id: string }) {
  const [events, setEvents] = useState<Ev[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    setEvents(undefined);
    get<Ev[]>(`/v1/hosts/${encodeURIComponent(id)}/events?limit=200`).then((e) => live && setEvents(e), (e) => live && setError(e));
    // Live: the stream's events for this host are appended as they come (seq keeps them unique).
    const off = onEvents((batch) => {
      const mine = batch.filter((e) => e.subject === id);
      if (mine.length) setEvents((cur) => [...(cur ?? []).filter((x) => !mine.some((m) => m.seq === x.seq)), ...mine]);
    });
    return () => {
      live = false;
      off();
    };
  }, [id]);
  if (error) return <ErrorMsg error={error} />;
  if (!events) return <Loading what="history" />;
  if (events.length === 0) return <p class="muted">No events yet.</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {[...events].reverse().map((e) => (
        <li key={e.seq ?? `${e.at}${e.type}`} class={e.data?.new_state ? `st-${e.data.new_state}` : ''}>
          <time dateTime={e.at}>{time(e.at)}</time> <code>{e.type}</code>
          {e.data?.new_state ? <> → <Badge state={e.data.new_state} /></> : null} <span class="muted small">{eventSummary(e.data)}</span>
        </li>
      ))}
    </ol>
  );
}

function Actions({ id, reload }: { id: string; reload: () => void }) {
  const path = `/v1/hosts/${encodeURIComponent(id)}`;
  const power = (action: string) => async () => {
    const r = await post(`${path}/power`, { action });
    reload();
    return r;
  };
  const [result, setResult] = useState<ActionResult | undefined>();
  const say = (what: string) => (r: any) => `${what}: ${r?.power ? `power is ${r.power}` : r?.state ? `host is ${r.state}` : r?.message ?? 'accepted'}`;
  return (
    <>
    <div class="actions" role="group" aria-label="Power and lifecycle">
      <ActionButton label="Power on" onResult={setResult} run={power('on')} describe={say('Power on')} />
      <ActionButton label="Power off" onResult={setResult} confirm={`Cut power to ${id}?`} kind="danger" run={power('off')} describe={say('Power off')} />
      <ActionButton label="Power cycle" onResult={setResult} confirm={`Power-cycle ${id}?`} kind="danger" run={power('cycle')} describe={say('Power cycle')} />
      <ActionButton label="Power status" onResult={setResult} run={power('status')} describe={say('Power status')} />
      <ActionButton label="Provision" onResult={setResult} confirm={`Provision ${id} (re-installs it)?`} kind="primary" run={() => post(`${path}/provision`).finally(reload)} describe={say('Provision')} />
      <ActionButton label="Reclaim" onResult={setResult} confirm={`Wipe ${id} and return it to inactive?`} kind="danger" run={() => post(`${path}/reclaim`, { workflow: 'wipe' }).finally(reload)} describe={say('Reclaim')} />
    </div>
    <ActionResultLine result={result} />
    </>
  );
}

export function HostPage({ id }: { id: string }) {
  const h = useLoad(() => get<any>(`/v1/hosts/${encodeURIComponent(id)}`), [id]);
  useTick(1000);
  // A lifecycle or power event for this host refreshes its record.
  useEffect(() => onEvents((b) => b.some((e) => e.subject === id) && h.reload()), [id]);
  if (h.error && !h.data) return <ErrorMsg error={h.error} />;
  if (!h.data) return <Loading what={id} />;
  const d = h.data;
  const ifs: any[] = d.interfaces ?? [];
  const bmc = ifs.find((i) => i.bmc)?.bmc;
  const hw = d.hardware ?? {};
  return (
    <div class="grid">
      <div class="span host-head">
        <p class="small"><a href={href('/hosts')}>Inventory</a> / {d.site} / {d.cluster}</p>
        <h1>
          {d.name} <Badge state={d.lifecycle_state} />
        </h1>
        <p data-testid="host-status">
          Stage <strong>{d.stage ?? '–'}</strong> · power <strong>{d.power}</strong> · since {time(d.since)} ({elapsed(d.since)}) · boot {(d.boot_index ?? 0) + 1} of workflow <strong>{d.workflow ?? '–'}</strong> · attempts {d.attempts}
        </p>
        {d.last_error ? <p class="msg error">Last error: {d.last_error}</p> : null}
        <Actions id={id} reload={h.reload} />
      </div>
      <Section title="Facts" id="facts-h">
        <dl class="facts">
          <dt>Site / cluster</dt><dd>{d.site} / {d.cluster}</dd>
          <dt>Workflow</dt><dd>{d.workflow ?? '–'}</dd>
          <dt>Role</dt><dd>{d.role ? `${d.role.name ?? d.role} ${d.role.version ?? ''}` : '–'} {d.role_status ? `(${d.role_status})` : ''}</dd>
          <dt>Hardware</dt><dd>{hw.cpu_cores ?? '?'} cores {hw.cpu_model ?? ''}, {bytes(hw.memory_bytes)} RAM, {hw.arch ?? ''} {hw.firmware ?? ''}</dd>
          <dt>Disks</dt><dd>{(hw.disks ?? []).map((x: any) => `${x.name ?? x.type} ${bytes(x.size_bytes)}`).join(', ') || '–'}</dd>
          <dt>Labels</dt><dd>{Object.entries(d.labels ?? {}).map(([k, v]) => <code key={k}>{k}={String(v)} </code>)}</dd>
          <dt>Tags</dt><dd>{(d.tags ?? []).join(', ') || '–'}</dd>
          <dt>Declared in</dt><dd>{d.source ? `${d.source.file}:${d.source.line}:${d.source.col}` : '–'}</dd>
          <dt>BMC</dt><dd data-testid="bmc">{bmc ? `${bmc.type} at ${bmc.address}${bmc.port ? `:${bmc.port}` : ''}` : 'none'}</dd>
        </dl>
      </Section>
      <Section title="Interfaces" id="ifs-h">
        <table class="compact">
          <thead><tr><th scope="col">Type</th><th scope="col">Name</th><th scope="col">MAC</th><th scope="col">IPv4</th><th scope="col">Subnet</th></tr></thead>
          <tbody>
            {ifs.map((i) => (
              <tr key={i.mac}><td>{i.type}</td><td>{i.identifier ?? ''}</td><td class="mono">{i.mac}</td><td class="mono">{i.ipv4 ?? ''}</td><td>{i.subnet ?? ''}</td></tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Lifecycle timeline (live)" id="tl-h">
        <Timeline id={id} />
      </Section>
      <Section title="Boot previews and console" id="boot-h">
        <TextPanel label="iPXE script" path={`/v1/hosts/${encodeURIComponent(id)}/boot/ipxe`} />
        <TextPanel label="Unattended file" path={`/v1/hosts/${encodeURIComponent(id)}/boot/unattended`} />
        <TextPanel label="Console log" path={`/v1/hosts/${encodeURIComponent(id)}/console`} />
      </Section>
    </div>
  );
}
