// The desktop app's settings (pure): the same settings as `corral serve` flags, kept in
// <userData>/settings.json, with desktop defaults. A file without a SoT folder means the
// first-run screen has not been completed.
import { join } from 'node:path';
import { jsonLabel, resolveServe, type ServeConfig, type ServeValues } from '../src/config/index.js';

export const SETTINGS_FILE = 'settings.json';

/** The fixed port (not 0) is what lets the app find a headless `corral serve` to attach to. */
export function desktopDefaults(userData: string): ServeValues {
  return { data: join(userData, 'data'), listen: '127.0.0.1:8080' };
}

export interface DesktopStart {
  values: ServeValues;
  firstRun: boolean;
}

export function desktopStart(file: ServeValues | undefined, userData: string): DesktopStart {
  const values = { ...desktopDefaults(userData), ...file };
  return { values, firstRun: !file?.sot };
}

/** The first-run form as the page sends it (untrusted: it comes from a renderer). */
export interface FirstRunForm {
  sot: string;
  data: string;
  /** '' = boot services off. */
  interface: string;
}

export type FirstRunResult = { ok: true; values: ServeValues; config: ServeConfig } | { ok: false; error: string };

/** Checks the form and merges it into the settings; the error is worded for the page. */
export function applyFirstRun(previous: ServeValues, form: unknown): FirstRunResult {
  const f = form as Partial<Record<keyof FirstRunForm, unknown>> | null;
  const str = (k: keyof FirstRunForm) => (typeof f?.[k] === 'string' ? (f[k] as string).trim() : undefined);
  const sot = str('sot');
  const data = str('data');
  const iface = str('interface');
  if (!sot) return { ok: false, error: 'Choose the SoT folder.' };
  if (!data) return { ok: false, error: 'Choose the data folder.' };
  if (iface === undefined) return { ok: false, error: 'Choose a network interface, or none.' };
  const values: ServeValues = { ...previous, sot, data };
  delete values.interface;
  if (iface) values.interface = iface;
  try {
    return { ok: true, values, config: resolveServe(values, { label: jsonLabel }) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export interface InterfaceChoice {
  name: string;
  address: string;
}

type Nets = Record<string, { family: string | number; address: string; internal: boolean }[] | undefined>;

/** Interfaces with an IPv4 address, loopback excluded: where boot services can answer. */
export function interfaceChoices(nets: Nets): InterfaceChoice[] {
  const out: InterfaceChoice[] = [];
  for (const [name, addrs] of Object.entries(nets)) {
    const v4 = addrs?.find((a) => (a.family === 'IPv4' || a.family === 4) && !a.internal);
    if (v4) out.push({ name, address: v4.address });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
