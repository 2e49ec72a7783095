// Roles: versions, the active one (and who chose it), set another active (admin).
import { useState } from 'preact/hooks';
import { get, put } from '../api';
import { ActionButton, ErrorMsg, Loading, useLoad } from '../components/ui';

function Role({ r, reload }: { r: any; reload: () => void }) {
  const [pick, setPick] = useState<string>(r.active_version);
  return (
    <section class="card" aria-labelledby={`role-${r.name}`}>
      <h2 id={`role-${r.name}`}>{r.display_name ?? r.name} <code class="small">{r.name}</code></h2>
      {r.description ? <p>{r.description}</p> : null}
      <p>
        Active version <strong data-testid={`active-${r.name}`}>{r.active_version ?? 'none'}</strong> <span class="muted">(chosen by {r.active_version_source === 'sot' ? 'the SoT' : 'an operator'})</span>
      </p>
      <table class="compact">
        <thead><tr><th scope="col">Version</th><th scope="col">Workflow</th><th scope="col">Description</th></tr></thead>
        <tbody>
          {(r.versions ?? []).map((v: any) => (
            <tr key={v.version} class={v.version === r.active_version ? 'current' : ''}><td>{v.version}</td><td>{v.workflow}</td><td>{v.description ?? ''}</td></tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        <label>
          Version for new hosts{' '}
          <select value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
            {(r.versions ?? []).map((v: any) => <option key={v.version} value={v.version}>{v.version}</option>)}
          </select>
        </label>
        <ActionButton label="Set active" disabled={pick === r.active_version} run={() => put(`/v1/roles/${encodeURIComponent(r.name)}`, { active_version: pick }).finally(reload)} describe={() => `${r.name}: ${pick} is active`} />
      </div>
    </section>
  );
}

export function RolesPage() {
  const roles = useLoad(() => get<any[]>('/v1/roles'), []);
  return (
    <div class="stack">
      <h1>Roles</h1>
      <ErrorMsg error={roles.error} />
      {!roles.data ? <Loading what="roles" /> : roles.data.length === 0 ? <p class="muted">The SoT declares no roles.</p> : roles.data.map((r) => <Role r={r} reload={roles.reload} key={r.name} />)}
    </div>
  );
}
