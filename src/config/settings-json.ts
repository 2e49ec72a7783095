// The settings file (the desktop app's settings.json): a JSON object whose keys are the serve
// flag names, e.g. {"sot": "/srv/sot", "data": "/var/lib/corral", "interface": "eth1"}.
// Same names as the flags so one page of docs covers both; checked here for shape only, the
// values then go through resolveServe like flags do.
import { ConfigError } from './errors.js';
import { SERVE_OPTIONS, type ServeKey, type ServeValues } from './options.js';

const KEYS = Object.keys(SERVE_OPTIONS) as ServeKey[];

export function parseSettingsJson(text: string, source = 'settings'): ServeValues {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${source}: must be a JSON object of settings`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(KEYS as string[]).includes(key)) throw new ConfigError(`${source}: unknown setting "${key}" (known: ${KEYS.join(', ')})`, key);
    // null means "the default", as if absent: lets a saved file clear a setting.
    if (value === null) continue;
    out[key] = settingValue(key as ServeKey, value, source);
  }
  return out as ServeValues;
}

function settingValue(key: ServeKey, value: unknown, source: string): unknown {
  const opt = SERVE_OPTIONS[key] as { type: 'string' | 'boolean'; multiple?: boolean };
  const bad = (want: string) => new ConfigError(`${source}: "${key}" must be ${want}, not ${JSON.stringify(value)}`, key);
  if (opt.type === 'boolean') {
    if (typeof value !== 'boolean') throw bad('true or false');
    return value;
  }
  // Numbers are accepted where a flag takes digits ("http-port": 8080); resolveServe checks range.
  const text = (x: unknown) => (typeof x === 'string' ? x : typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined);
  if (opt.multiple) {
    const list = Array.isArray(value) ? value : [value];
    const texts = list.map(text);
    if (texts.some((t) => t === undefined)) throw bad('a list of strings');
    return texts;
  }
  const t = text(value);
  if (t === undefined) throw bad('a string');
  return t;
}

/** Settings as file text: stable key order, absent settings left out. */
export function formatSettingsJson(v: ServeValues): string {
  const ordered: Record<string, unknown> = {};
  for (const k of KEYS) if (v[k] !== undefined) ordered[k] = v[k];
  return JSON.stringify(ordered, null, 2) + '\n';
}
