// The one API client of the GUI: every request goes through request(), which adds the token,
// turns every error shape of the API (Corral's {code, message}, vmpooler's {ok:false}, HAS's
// {title, explanation}) into an ApiError with a readable message, sends 401 to the login page and
// tells the connection banner whether the appliance answers at all.
import { conn } from './state';

const KEY = 'corral.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the desktop app's preload hands the page (electron/preload.cts); absent in a browser. */
interface DesktopBridge {
  readonly apiBase: string;
  readonly token: string | null;
  readonly version: string;
}

/**
 * The login's token (sessionStorage by default, gone with the tab; localStorage only with
 * "remember me"), else the desktop app's admin token (the app is the local operator). Never in a URL.
 */
export function getToken(): string | null {
  const desktop = (globalThis as { corral?: DesktopBridge }).corral;
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY) ?? desktop?.token ?? null;
}

function setToken(token: string, remember: boolean): void {
  clearToken();
  (remember ? localStorage : sessionStorage).setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
  conn.set({ user: undefined });
}

export function authHeaders(): Record<string, string> {
  const t = getToken();
  return t ? { 'X-AUTH-TOKEN': t } : {};
}

/** 401 anywhere: back to the login page, and back here after it. */
export function toLogin(): void {
  if (location.hash.startsWith('#/login')) return;
  const next = location.hash.slice(1) || '/';
  location.hash = `#/login?next=${encodeURIComponent(next)}`;
}

export function errorMessage(status: number, body: unknown, fallback: string): string {
  const b = (body ?? {}) as Record<string, any>;
  const msg = b.message ?? b.explanation ?? b.error?.message ?? (typeof body === 'string' && body.trim() ? body.trim().slice(0, 300) : undefined);
  return `${msg ?? fallback} (HTTP ${status}${b.code ? `, ${b.code}` : ''})`;
}

export interface RequestOptions {
  /** Extra headers (Basic for the token routes). */
  headers?: Record<string, string>;
  /** Do not send 401 to the login page (the login form itself). */
  noLoginRedirect?: boolean;
  /** The answer is text (iPXE and unattended previews, console). */
  text?: boolean;
}

export async function request<T = any>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: opts.text ? 'text/plain, application/json' : 'application/json', ...authHeaders(), ...opts.headers };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    // credentials: 'omit': tokens are headers, never cookies, and without credentials a 401 with a
    // Basic challenge (the token routes') does not make the browser pop up its own login dialog.
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    conn.set({ apiDown: true });
    throw new ApiError(0, 'NETWORK', 'The appliance cannot be reached (network error); retrying in the background.');
  }
  conn.set({ apiDown: false });
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  const raw = await res.text();
  let parsed: unknown = raw;
  if (isJson && raw) {
    try {
      parsed = JSON.parse(raw);
    } catch {
      /* keep the text */
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.noLoginRedirect) {
      clearToken();
      toLogin();
    }
    const b = parsed as Record<string, any>;
    throw new ApiError(res.status, String(b?.code ?? res.status), errorMessage(res.status, parsed, res.statusText || 'request failed'));
  }
  return parsed as T;
}

export const get = <T = any>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts);
export const post = <T = any>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
export const put = <T = any>(path: string, body?: unknown) => request<T>('PUT', path, body);
export const del = <T = any>(path: string) => request<T>('DELETE', path);

const basic = (user: string, password: string) => `Basic ${btoa(unescape(encodeURIComponent(`${user}:${password}`)))}`;

/** POST /api/v1/token with HTTP Basic; keeps the token and learns who we are. */
export async function login(user: string, password: string, remember: boolean): Promise<void> {
  try {
    const r = await request<{ token: string }>('POST', '/api/v1/token', undefined, { headers: { Authorization: basic(user, password) }, noLoginRedirect: true });
    setToken(r.token, remember);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw new ApiError(401, 'UNAUTHORIZED', 'Wrong user name or password.');
    if (e instanceof ApiError && e.status === 429) throw new ApiError(429, 'TOO_MANY', 'Too many failed logins from this address; wait a few minutes and try again.');
    throw e;
  }
  await whoAmI();
}

/** GET /v1/me: the user and role behind the token (undefined without one). */
export async function whoAmI(): Promise<void> {
  if (!getToken()) return conn.set({ user: undefined });
  const me = await request<{ user: string; role: string }>('GET', '/v1/me', undefined, { noLoginRedirect: true }).catch(() => undefined);
  conn.set({ user: me });
}

/** Revokes the login's token on the appliance (a token may give itself up) and forgets it here. */
export async function logout(): Promise<void> {
  const t = sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
  try {
    if (t) await request('DELETE', `/api/v1/token/${encodeURIComponent(t)}`, undefined, { noLoginRedirect: true });
  } finally {
    clearToken();
  }
}

/** Every page of a paged list (`limit`/`marker`, `_links.next`), handing each page over as it arrives. */
export async function getPaged<T>(path: string, key: string, onPage: (items: T[]) => void, limit = 1000): Promise<void> {
  let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
  while (next) {
    const page: Record<string, any> = await get(next);
    onPage((page[key] ?? []) as T[]);
    next = page._links?.next?.href;
  }
}
