// vNext servers of a project (GET /v1/projects/{p}/servers, paged): the caller's own, an
// admin's: everyone's. Needs a token (access `user`).
import { useState } from 'preact/hooks';
import { getPaged } from '../api';
import { time } from '../format';
import { href } from '../router';
import { Badge, ErrorMsg, Loading, Section, useLoad } from '../components/ui';

export function ServersPage() {
  const [project, setProject] = useState(localStorage.getItem('corral.project') ?? 'default');
  const [asked, setAsked] = useState(project);
  const list = useLoad(async () => {
    const out: any[] = [];
    await getPaged<any>(`/v1/projects/${encodeURIComponent(asked)}/servers`, 'servers', (p) => out.push(...p), 200);
    return out;
  }, [asked]);
  return (
    <div class="stack">
      <h1>Servers</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          localStorage.setItem('corral.project', project);
          setAsked(project.trim());
        }}
      >
        <label>
          Project
          <input value={project} onInput={(e) => setProject(e.currentTarget.value)} />
        </label>
        <button type="submit">Show</button>
      </form>
      <Section title={`Servers of ${asked}`} id="servers-h">
        <ErrorMsg error={list.error} />
        {list.loading && !list.data ? <Loading what="servers" /> : list.data && list.data.length === 0 ? <p class="muted">No servers in this project.</p> : list.data ? (
          <table class="compact" data-testid="servers">
            <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Power</th><th scope="col">Image</th><th scope="col">Address</th><th scope="col">Task</th><th scope="col">Launched</th></tr></thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.id}>
                  <td>{s._elevated?.host ? <a href={href(`/hosts/${encodeURIComponent(s._elevated.host)}`)}>{s.name}</a> : s.name}</td>
                  <td><Badge state={s.lifecycle_state} /> {s.virt_state}</td>
                  <td>{s.power_state}</td>
                  <td>{s.image ?? '–'}</td>
                  <td class="mono">{s.networking?.access?.ip4 ?? ''}</td>
                  <td>{s.task ? `${s.task.action}…` : ''}</td>
                  <td>{time(s.launched_at)} by {s.launched_by ?? '?'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Section>
    </div>
  );
}
