// The shell: navigation, who is logged in, the connection banner, and the page for the route.
import { useEffect } from 'preact/hooks';
import { getToken, whoAmI } from './api';
import { startEvents } from './events';
import { loadHosts } from './hosts';
import { href, useRoute } from './router';
import { conn, useStore } from './state';
import { Dashboard } from './pages/dashboard';
import { Inventory } from './pages/inventory';
import { HostPage } from './pages/host';
import { Login, Logout } from './pages/login';
import { SotPage } from './pages/sot';
import { RolesPage } from './pages/roles';
import { PlansPage } from './pages/plans';
import { UsersPage } from './pages/users';
import { PoolsPage } from './pages/pools';
import { ServersPage } from './pages/servers';

const NAV: [string, string][] = [
  ['/', 'Dashboard'],
  ['/hosts', 'Inventory'],
  ['/sot', 'Source of truth'],
  ['/roles', 'Roles'],
  ['/pools', 'Pools'],
  ['/servers', 'Servers'],
  ['/plans', 'Plans'],
  ['/users', 'Users'],
];

function page(path: string) {
  const host = /^\/hosts\/([^/]+)$/.exec(path);
  if (host) return <HostPage id={decodeURIComponent(host[1]!)} />;
  switch (path) {
    case '/':
      return <Dashboard />;
    case '/hosts':
      return <Inventory />;
    case '/sot':
      return <SotPage />;
    case '/roles':
      return <RolesPage />;
    case '/pools':
      return <PoolsPage />;
    case '/servers':
      return <ServersPage />;
    case '/plans':
      return <PlansPage />;
    case '/users':
      return <UsersPage />;
    case '/logout':
      return <Logout />;
    default:
      return <p>No such page. <a href="#/">Dashboard</a></p>;
  }
}

export function App() {
  const route = useRoute();
  const c = useStore(conn);
  const onLogin = route.path === '/login';
  useEffect(() => {
    if (getToken()) void whoAmI();
  }, []);
  useEffect(() => {
    // Nothing is fetched from the login page: a 401 brought us here.
    if (onLogin) return;
    startEvents();
    void loadHosts();
  }, [onLogin]);
  if (onLogin) return <Login next={route.query.get('next') ?? '/'} />;
  const section = route.path.startsWith('/hosts') ? '/hosts' : route.path;
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('/')}>
          Corral
        </a>
        <nav aria-label="Main">
          {NAV.map(([p, label]) => (
            <a href={href(p)} aria-current={section === p ? 'page' : undefined} key={p}>
              {label}
            </a>
          ))}
        </nav>
        <span class={`live ${c.stream}`} title="Event stream" data-testid="stream-state">
          {c.stream === 'live' ? '● live' : c.stream === 'connecting' ? '○ connecting' : '○ reconnecting'}
        </span>
        {c.user ? (
          <span class="who">
            {c.user.user} ({c.user.role}) <a href={href('/logout')}>Log out</a>
          </span>
        ) : (
          <a class="who" href={href(`/login?next=${encodeURIComponent(route.path)}`)}>
            Log in
          </a>
        )}
      </header>
      {c.apiDown ? (
        <div class="banner" role="alert" data-testid="api-down">
          The appliance is not answering. Reconnecting… {c.lastSeq !== undefined ? `(events resume after #${c.lastSeq})` : ''}
        </div>
      ) : null}
      <main id="main" tabIndex={-1}>
        {page(route.path)}
      </main>
    </div>
  );
}
