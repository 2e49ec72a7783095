// Serve settings -> the appliance's configuration. `corral serve` (flags) and the desktop app
// (its settings file) both end here, so a value means the same and fails the same in both.
import { parseArgs } from 'node:util';
import type { ApplianceConfig } from '../appliance.js';
import type { LogLevel } from '../lib/log.js';
import { ConfigError, flagLabel, type Label } from './errors.js';
import { SERVE_DEFAULTS, SERVE_OPTIONS, type ServeValues } from './options.js';
import { bootConfig, historyDays, historySize, parseListen, positiveInt, stageTimeouts, tokenTtl } from './values.js';

export interface LogSettings {
  level: LogLevel;
  format: 'json' | 'pretty';
}

export interface ServeConfig {
  appliance: ApplianceConfig;
  log: LogSettings;
}

export interface ResolveOptions {
  /** How settings are named in errors (default: as flags). */
  label?: Label;
  /** The log format when none is given: pretty on a terminal, JSON lines for journald. */
  terminal?: boolean;
}

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];

/** `corral serve` flags -> settings; unknown flags and stray arguments are errors. */
export function parseServeArgs(args: string[]): ServeValues {
  let parsed;
  try {
    parsed = parseArgs({ args, options: SERVE_OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  if (parsed.positionals.length) throw new ConfigError(`unexpected argument "${parsed.positionals[0]}"`);
  return parsed.values as ServeValues;
}

/** Validates settings and applies defaults; every bad value is a ConfigError naming it. */
export function resolveServe(v: ServeValues, o: ResolveOptions = {}): ServeConfig {
  const label = o.label ?? flagLabel;
  if (!v.sot || !v.data) throw new ConfigError(`serve needs ${label('sot')} <dir> and ${label('data')} <dir>`, v.sot ? 'data' : 'sot');
  const level = v['log-level'] ?? SERVE_DEFAULTS['log-level'];
  if (!LEVELS.includes(level)) throw new ConfigError(`${label('log-level')} must be debug, info, warn or error`, 'log-level');
  const format = v['log-format'] ?? (o.terminal ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') throw new ConfigError(`${label('log-format')} must be json or pretty`, 'log-format');
  const { host, port } = parseListen(v.listen ?? SERVE_DEFAULTS.listen, label);
  const boot = bootConfig(v, label);
  const int = (key: 'storm-limit' | 'bmc-concurrency' | 'max-attempts') => (v[key] === undefined ? undefined : positiveInt(key, v[key], label));
  const stormLimit = int('storm-limit');
  const bmcConcurrency = int('bmc-concurrency');
  const maxAttempts = int('max-attempts');
  const appliance: ApplianceConfig = {
    sotDir: v.sot,
    dataDir: v.data,
    apiHost: host,
    apiPort: port,
    apiNames: v['api-name'] ?? [],
    ...(v['console-dir'] && { consoleDir: v['console-dir'] }),
    ...(v['token-ttl'] !== undefined && { tokenTtlMs: tokenTtl(v['token-ttl'], label) }),
    ...((v['history-days'] !== undefined || v['history-size'] !== undefined) && {
      retention: {
        ...(v['history-days'] !== undefined && { maxAgeMs: historyDays(v['history-days'], label) }),
        ...(v['history-size'] !== undefined && { maxBytes: historySize(v['history-size'], label) }),
      },
    }),
    watch: !v['no-watch'],
    ...(boot && { boot }),
    ...(stormLimit !== undefined && { stormLimit }),
    ...(bmcConcurrency !== undefined && { bmcConcurrency }),
    policy: {
      ...(maxAttempts !== undefined && { maxAttempts }),
      stageTimeoutMs: stageTimeouts(v['stage-timeout'] ?? [], label),
    },
  };
  return { appliance, log: { level: level as LogLevel, format } };
}

/** `corral serve <flags>` -> configuration, in one call. */
export function serveConfigFromArgs(args: string[], o: Omit<ResolveOptions, 'label'> = {}): ServeConfig {
  return resolveServe(parseServeArgs(args), o);
}
