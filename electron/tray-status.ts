// The tray's one-glance status from GET /v1/services (pure). The API's answer per service is
// {state: 'running', address} or {state: 'off' | 'failed', reason}.

export type TrayLevel = 'ok' | 'off' | 'failed' | 'down';

export interface TrayStatus {
  level: TrayLevel;
  /** Tooltip: one line per service. */
  text: string;
}

const NAMES = { dhcp: 'DHCP', tftp: 'TFTP', http: 'Boot HTTP' } as const;

export function trayStatus(services: unknown, mode: 'started' | 'attached'): TrayStatus {
  const s = services as Record<string, { state?: unknown; address?: unknown; reason?: unknown } | undefined> | null;
  if (!s || typeof s !== 'object') return down('the appliance gave no service status');
  const lines: string[] = [];
  const states: string[] = [];
  for (const [key, label] of Object.entries(NAMES)) {
    const svc = s[key];
    const state = typeof svc?.state === 'string' ? svc.state : 'unknown';
    states.push(state);
    const why = state === 'running' ? String(svc?.address ?? '') : String(svc?.reason ?? '');
    lines.push(`${label}: ${state}${why ? ` (${why})` : ''}`);
  }
  // Failed outranks off: something was asked for and does not work.
  const level: TrayLevel = states.some((x) => x === 'failed' || x === 'unknown') ? 'failed' : states.every((x) => x === 'running') ? 'ok' : 'off';
  return { level, text: `Corral (${mode === 'attached' ? 'attached to the running service' : 'started by this app'})\n${lines.join('\n')}` };
}

export function down(why: string): TrayStatus {
  return { level: 'down', text: `Corral: the appliance does not answer (${why})` };
}
