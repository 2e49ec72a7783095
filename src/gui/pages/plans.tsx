// HAS plans: list, create from a template (JSON or YAML text), recommendations, delete.
import { useEffect, useState } from 'preact/hooks';
import { del, get, post } from '../api';
import { onEvents } from '../events';
import { ActionButton, ErrorMsg, Loading, Section, useLoad } from '../components/ui';

const EXAMPLE = `homing_template_version: '2018-02-01'
demands:
  a: [{inventory_type: host}]
  b: [{inventory_type: host}]
constraints:
  big: {type: threshold, demands: [a, b], properties: {evaluate: [{attribute: memory, operator: gte, threshold: 64, unit: G}]}}
  apart: {type: zone, demands: [a, b], properties: {qualifier: different, category: rack}}
`;

function Plan({ p, reload }: { p: any; reload: () => void }) {
  return (
    <li class="plan">
      <strong>{p.name}</strong> <span class={`badge plan-${String(p.status).replace(/\s/g, '-')}`}>{p.status}</span> <code class="small">{p.id}</code>
      {p.message ? <p class="small">{p.message}</p> : null}
      {p.recommendations?.length ? (
        <ol class="small">
          {p.recommendations.map((r: any, i: number) => (
            <li key={i}>
              {Object.entries(r).map(([demand, v]: [string, any]) => (
                <span key={demand}><code>{demand}</code> → {v?.candidate?.candidate_id ?? v?.candidate?.host_id ?? v?.candidate_id ?? JSON.stringify(v).slice(0, 80)}; </span>
              ))}
            </li>
          ))}
        </ol>
      ) : null}
      {p.reserved_hosts?.length ? <p class="small">Holds: {p.reserved_hosts.join(', ')}</p> : null}
      <ActionButton label="Delete" kind="danger" confirm={`Delete plan ${p.name}${p.reserved_hosts?.length ? ' and release its hosts' : ''}?`} run={() => del(`/v1/plans/${encodeURIComponent(p.id)}`).finally(reload)} describe={() => 'Deleted'} />
    </li>
  );
}

export function PlansPage() {
  const plans = useLoad(() => get<{ plans: any[] }>('/v1/plans'), []);
  useEffect(() => onEvents((b) => b.some((e) => e.type.startsWith('plan.')) && plans.reload()), []);
  const [name, setName] = useState('');
  const [template, setTemplate] = useState(EXAMPLE);
  const [limit, setLimit] = useState('1');
  return (
    <div class="grid">
      <h1 class="span">Plans</h1>
      <Section title="Plans" id="plans-h">
        <ErrorMsg error={plans.error} />
        {!plans.data ? <Loading what="plans" /> : plans.data.plans.length === 0 ? <p class="muted">No plans.</p> : (
          <ul class="plans" data-testid="plans">{plans.data.plans.map((p) => <Plan p={p} reload={plans.reload} key={p.id} />)}</ul>
        )}
      </Section>
      <Section title="New plan" id="new-h">
        <form class="stack" onSubmit={(e) => e.preventDefault()}>
          <label>Name <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="my-plan" /></label>
          <label>Homing template (YAML or JSON)
            <textarea rows={12} class="mono" value={template} onInput={(e) => setTemplate(e.currentTarget.value)} spellcheck={false} />
          </label>
          <label>Recommendations wanted <input type="number" min={1} max={100} value={limit} onInput={(e) => setLimit(e.currentTarget.value)} /></label>
          <ActionButton label="Create plan" kind="primary" disabled={!name.trim()} run={() => post('/v1/plans', { name: name.trim(), template, limit: Number(limit) || 1 }).finally(plans.reload)} describe={(r) => `Plan ${r?.name ?? name} created (${r?.status ?? 'template'}); it is solved in the background`} />
        </form>
      </Section>
    </div>
  );
}
