// Login: user and password -> POST /api/v1/token (HTTP Basic). Logout: forget the token here
// and, with the password (the token route asks HTTP Basic, as vmpooler's), revoke it.
import { useState } from 'preact/hooks';
import { login, logout } from '../api';
import { conn, useStore } from '../state';
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
  const c = useStore(conn);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const done = async (revoke: boolean) => {
    try {
      await logout(c.user?.user, revoke ? password : undefined);
      go('/login');
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="card narrow">
      <h1>Log out</h1>
      <p>
        Revoking the token on the appliance needs your password again (the token route uses HTTP Basic). Or just forget the token in this browser; it
        then expires on its own.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void done(true);
        }}
      >
        <label>
          Password of {c.user?.user ?? 'your user'}
          <input type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <ErrorMsg error={error} />
        <button class="primary" type="submit" disabled={!password}>
          Revoke and log out
        </button>{' '}
        <button type="button" onClick={() => void done(false)}>
          Just forget it here
        </button>
      </form>
    </section>
  );
}
