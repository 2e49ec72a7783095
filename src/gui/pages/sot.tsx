// The source of truth: served revision, the problems of the last load attempt (file:line:col),
// reload. Refreshed live on every sot.* event, so a broken edit shows here within seconds.
import { useEffect } from 'preact/hooks';
import { get, post } from '../api';
import { onEvents } from '../events';
import { time } from '../format';
import { ActionButton, ErrorMsg, Loading, Section, useLoad } from '../components/ui';

export function SotPage() {
  const s = useLoad(() => get<any>('/v1/sot'), []);
  useEffect(() => onEvents((b) => b.some((e) => e.type.startsWith('sot.')) && s.reload()), []);
  if (s.error && !s.data) return <ErrorMsg error={s.error} />;
  if (!s.data) return <Loading what="the SoT status" />;
  const d = s.data;
  const problems: any[] = d.problems ?? [];
  const errors = problems.filter((p) => p.severity === 'error');
  const failed = d.last_attempt && !d.last_attempt.ok;
  return (
    <div class="grid">
      <h1 class="span">Source of truth</h1>
      <Section title="Served revision" id="rev-h">
        <dl class="facts">
          <dt>Folder</dt><dd class="mono">{d.root}</dd>
          <dt>Revision</dt><dd class="mono" data-testid="sot-revision">{d.revision ?? 'none'}</dd>
          <dt>Loaded</dt><dd>{time(d.loaded_at)}</dd>
          <dt>Last attempt</dt><dd data-testid="sot-last-attempt">{d.last_attempt ? `${time(d.last_attempt.at)}: ${d.last_attempt.ok ? 'ok' : 'rejected'}` : '–'}</dd>
          <dt>Counts</dt><dd>{Object.entries(d.counts ?? {}).map(([k, v]) => `${v} ${k}`).join(', ')}</dd>
        </dl>
        {failed || errors.length ? (
          <p class="msg warn" role="status">
            The last edit has {errors.length} error(s) and was not applied. {d.revision ? <>The last good SoT (revision <code>{d.revision}</code>) keeps serving.</> : 'Nothing is served yet.'}
          </p>
        ) : (
          <p class="msg ok">The SoT loaded cleanly. Edits to the folder are picked up live; a broken edit never replaces the last good SoT.</p>
        )}
        <ActionButton label="Reload now" kind="primary" run={() => post('/v1/sot/reload').finally(s.reload)} describe={(r) => `Reloaded: revision ${r?.revision ?? '?'}`} />
      </Section>
      <Section title={`Problems of the last load (${problems.length})`} id="problems-h">
        {problems.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <table class="compact problems" data-testid="sot-problems">
            <thead><tr><th scope="col">Severity</th><th scope="col">Where</th><th scope="col">Problem</th></tr></thead>
            <tbody>
              {problems.map((p, i) => (
                <tr key={i} class={p.severity}>
                  <td>{p.severity}</td>
                  <td class="mono">{p.file}:{p.line}:{p.col}</td>
                  <td>
                    {p.message}
                    {p.excerpt ?? p.source_line ? <pre class="excerpt">{p.excerpt ?? p.source_line}</pre> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
