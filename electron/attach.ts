// Attach or start (pure, tested without Electron): if a Corral already answers on the configured
// API address — the headless `corral serve` of the .deb, say — the app shows that one instead of
// starting a second core that would fight it for the port, the store and the DHCP socket.

/** What answered GET /v1/health on the configured address. */
export type Probe =
  | { kind: 'corral'; version: string }
  | { kind: 'other'; detail: string } // something answers, but not Corral's health reply
  | { kind: 'none' }; // nothing listens (refused, timed out)

export type StartDecision = { kind: 'attach'; base: string; version: string } | { kind: 'start' } | { kind: 'fail'; reason: string };

/** The URL a client uses to reach a listen address: wildcards are reached over loopback. */
export function apiBaseUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** Classifies a /v1/health answer (status and parsed body; undefined body: not JSON). */
export function classifyHealth(status: number, body: unknown): Probe {
  const b = body as { ok?: unknown; version?: unknown } | undefined;
  if (status === 200 && b && b.ok === true && typeof b.version === 'string') return { kind: 'corral', version: b.version };
  return { kind: 'other', detail: `GET /v1/health answered ${status}${b === undefined ? ' (not JSON)' : ''}` };
}

export function decideStart(listen: { host: string; port: number }, probe: Probe): StartDecision {
  // Port 0 means "any free port": there is nothing to attach to.
  if (listen.port === 0) return { kind: 'start' };
  const base = apiBaseUrl(listen.host, listen.port);
  if (probe.kind === 'corral') return { kind: 'attach', base, version: probe.version };
  if (probe.kind === 'none') return { kind: 'start' };
  return {
    kind: 'fail',
    reason: `${base} is taken by something that is not Corral (${probe.detail}). Choose another API address ("listen") in the settings, or stop that program.`,
  };
}

type FetchLike = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<{ status: number; text(): Promise<string> }>;

/** Asks base/v1/health, bounded by timeoutMs; never throws. */
export async function probeHealth(base: string, fetchFn: FetchLike = fetch, timeoutMs = 2000): Promise<Probe> {
  let res;
  try {
    res = await fetchFn(`${base}/v1/health`, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch {
    return { kind: 'none' };
  }
  let body: unknown;
  try {
    body = JSON.parse(await res.text());
  } catch {
    body = undefined;
  }
  return classifyHealth(res.status, body);
}
