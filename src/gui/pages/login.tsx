// Login: user and password -> POST /api/v1/token (HTTP Basic). Logout: the token revokes itself
// (DELETE /api/v1/token/{token} with the token as X-AUTH-TOKEN) and is forgotten here.
import { useState } from 'preact/hooks';
import { login, logout } from '../api';
import { go } from '../router';
import { ErrorMsg } from '../components/ui';

export function Login({ next }: { next: string }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(user.trim(), password, remember);
      go(next.startsWith('/') && !next.startsWith('/login') ? next : '/');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form class="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Corral</h1>
        <p class="muted">Log in with your Corral user (made with <code>corral user add</code>).</p>
        <label>
          User
          <input name="user" autoComplete="username" required value={user} onInput={(e) => setUser(e.currentTarget.value)} autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} /> Remember me on this browser
        </label>
        <ErrorMsg error={error} />
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p class="muted small">On the appliance itself reads work without logging in; changes always need it.</p>
      </form>
    </main>
  );
}

export function Logout() {
  const [error, setError] = useState<unknown>();
  const done = async () => {
    try {
      await logout();
      go('/login');
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="card narrow">
      <h1>Log out</h1>
      <p>Logging out revokes this browser's token on the appliance.</p>
      <ErrorMsg error={error} />
      <button class="primary" type="button" onClick={() => void done()}>
        Log out
      </button>
    </section>
  );
}
