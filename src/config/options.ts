// The serve settings, named once: the `corral serve` flags and the desktop settings file use
// the same names, so both go through one validation (serve.ts) and mean the same thing.
import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export const BOOT_OPTIONS = {
  interface: { type: 'string' },
  address: { type: 'string' },
  'http-port': { type: 'string' },
  'boot-url': { type: 'string' },
  assets: { type: 'string' },
  'asset-server': { type: 'string' },
  'tftp-root': { type: 'string' },
  'tftp-workers': { type: 'string' },
  'dhcp-mode': { type: 'string' },
  'dhcp-port': { type: 'string' },
  'dhcp-client-port': { type: 'string' },
  'proxy-port': { type: 'string' },
  'tftp-port': { type: 'string' },
  'no-dhcp': { type: 'boolean' },
  'no-tftp': { type: 'boolean' },
  'no-boot-http': { type: 'boolean' },
} as const satisfies Options;

export const SERVE_OPTIONS = {
  sot: { type: 'string' },
  data: { type: 'string' },
  listen: { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'no-watch': { type: 'boolean' },
  'storm-limit': { type: 'string' },
  'bmc-concurrency': { type: 'string' },
  'max-attempts': { type: 'string' },
  'stage-timeout': { type: 'string', multiple: true },
  'api-name': { type: 'string', multiple: true },
  'token-ttl': { type: 'string' },
  'console-dir': { type: 'string' },
  'history-days': { type: 'string' },
  'history-size': { type: 'string' },
  ...BOOT_OPTIONS,
} as const satisfies Options;

type ValueOf<O> = O extends { type: 'boolean' } ? boolean : O extends { multiple: true } ? string[] : string;

/** Settings as given (strings, flags), before validation. Absent = the default. */
export type ServeValues = { -readonly [K in keyof typeof SERVE_OPTIONS]?: ValueOf<(typeof SERVE_OPTIONS)[K]> };
export type BootValues = Pick<ServeValues, keyof typeof BOOT_OPTIONS>;
export type ServeKey = keyof typeof SERVE_OPTIONS;

/** Defaults, in one place (parseArgs defaults would not reach the settings file). */
export const SERVE_DEFAULTS = {
  listen: '127.0.0.1:8080',
  'log-level': 'info',
  'http-port': '8080',
  'dhcp-port': '67',
  'dhcp-client-port': '68',
  'proxy-port': '4011',
  'tftp-port': '69',
} as const satisfies ServeValues;
