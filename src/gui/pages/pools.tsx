// Pools (vmpooler's surface, GET /api/v1/status): capacity, queue, per-pool ready/running/
// pending against its size, today's install and boot durations. Refreshed on pool events.
import { useEffect } from 'preact/hooks';
import { get } from '../api';
import { onEvents } from '../events';
import { href } from '../router';
import { ErrorMsg, Loading, Section, useLoad } from '../components/ui';

function PoolBar({ p }: { p: { ready: number; running: number; pending: number; max: number } }) {
  const max = Math.max(p.max, p.ready + p.running + p.pending, 1);
  const w = (n: number) => (200 * n) / max;
  return (
    <svg viewBox="0 0 200 12" width="200" height="12" role="img" aria-label={`${p.ready} ready, ${p.running} running, ${p.pending} pending of ${p.max}`}>
      <rect x={0} y={0} width={200} height={12} class="bar-empty" />
      <rect x={0} y={0} width={w(p.ready)} height={12} class="bar-ok" />
      <rect x={w(p.ready)} y={0} width={w(p.running)} height={12} class="step-0" />
      <rect x={w(p.ready + p.running)} y={0} width={w(p.pending)} height={12} class="step-2" />
    </svg>
  );
}

export function PoolsPage() {
  const s = useLoad(() => get<any>('/api/v1/status'), []);
  useEffect(() => onEvents((b) => b.some((e) => /^(vm|pool)\./.test(e.type)) && s.reload()), []);
  if (s.error && !s.data) return <ErrorMsg error={s.error} />;
  if (!s.data) return <Loading what="pools" />;
  const d = s.data;
  const pools = Object.entries((d.pools ?? {}) as Record<string, any>);
  return (
    <div class="grid">
      <h1 class="span">Pools</h1>
      <Section title="Capacity" id="cap-h">
        <p class={`msg ${d.status?.ok ? 'ok' : 'warn'}`} role="status">{d.status?.message ?? ''}</p>
        <dl class="facts">
          <dt>Ready</dt><dd data-testid="pool-capacity">{d.capacity?.current ?? 0} of {d.capacity?.total ?? 0} ({d.capacity?.percent ?? 0}%)</dd>
          <dt>Queue</dt><dd>{Object.entries(d.queue ?? {}).map(([k, v]) => `${v} ${k}`).join(', ')}</dd>
          <dt>Installs today</dt><dd>{d.clone?.count?.total ?? 0}, average {d.clone?.duration?.average ?? 0} s</dd>
          <dt>Boots today</dt><dd>{d.boot?.count?.total ?? 0}, average {d.boot?.duration?.average ?? 0} s</dd>
        </dl>
      </Section>
      <Section title={`Pools (${pools.length})`} id="pools-h">
        <table class="compact" data-testid="pools">
          <thead><tr><th scope="col">Pool</th><th scope="col">Ready / running / pending of size</th><th scope="col" class="sr-only">Bar</th><th scope="col">Aliases</th></tr></thead>
          <tbody>
            {pools.map(([name, p]) => (
              <tr key={name}>
                <td><a href={href(`/hosts?pool=${encodeURIComponent(name)}`)}>{name}</a></td>
                <td>{p.ready} / {p.running} / {p.pending} of {p.max}</td>
                <td><PoolBar p={p} /></td>
                <td>{(p.alias ?? []).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="small muted legend"><i class="swatch bar-ok-bg" />ready <i class="swatch step-0" />running <i class="swatch step-2" />pending</p>
      </Section>
    </div>
  );
}
