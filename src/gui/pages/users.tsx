// Users (admin): list, add, remove. Tokens are made at login; removing a user revokes theirs.
import { useState } from 'preact/hooks';
import { del, get, post } from '../api';
import { time } from '../format';
import { conn, useStore } from '../state';
import { href } from '../router';
import { ActionButton, ErrorMsg, Loading, Section, useLoad } from '../components/ui';

export function UsersPage() {
  const c = useStore(conn);
  const users = useLoad(() => (c.user?.role === 'admin' ? get<any[]>('/v1/users') : Promise.resolve(undefined)), [c.user?.role]);
  const [name, setName] = useState('');
  const [role, setRole] = useState('user');
  const [password, setPassword] = useState('');
  if (c.user?.role !== 'admin') return <section class="card narrow"><h1>Users</h1><p>Managing users needs an admin. <a href={href('/login?next=/users')}>Log in as an admin</a>.</p></section>;
  return (
    <div class="grid">
      <h1 class="span">Users and tokens</h1>
      <Section title="Users" id="users-h">
        <ErrorMsg error={users.error} />
        {!users.data ? <Loading what="users" /> : (
          <table class="compact" data-testid="users">
            <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.name}>
                  <td>{u.name}</td><td>{u.role}</td><td>{time(u.created)}</td>
                  <td>{u.name === c.user?.user ? <span class="muted small">you</span> : <ActionButton label="Remove" kind="danger" confirm={`Remove ${u.name} and revoke their tokens?`} run={() => del(`/v1/users/${encodeURIComponent(u.name)}`).finally(users.reload)} describe={() => `${u.name} removed`} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="small muted">Each login makes a token (valid 30 days by default); removing a user revokes all of theirs.</p>
      </Section>
      <Section title="Add a user" id="add-h">
        <form class="stack" onSubmit={(e) => e.preventDefault()}>
          <label>Name <input value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="off" /></label>
          <label>Role <select value={role} onChange={(e) => setRole(e.currentTarget.value)}><option value="user">user</option><option value="admin">admin</option></select></label>
          <label>Password <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" /></label>
          <ActionButton label="Add user" kind="primary" disabled={!name || !password} run={async () => { const r = await post('/v1/users', { name, role, password }); setPassword(''); users.reload(); return r; }} describe={(u) => `Added ${u?.name ?? name} (${u?.role ?? role})`} />
        </form>
      </Section>
    </div>
  );
}
