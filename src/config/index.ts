// Settings -> ApplianceConfig, shared by `corral serve` and the desktop app.
export { ConfigError, isConfigError, flagLabel, jsonLabel, type Label } from './errors.js';
export { SERVE_OPTIONS, SERVE_DEFAULTS, BOOT_OPTIONS, type ServeValues, type BootValues, type ServeKey } from './options.js';
export { parseListen, portOf, positiveInt, tokenTtl, stageTimeouts, bootConfig, STAGES } from './values.js';
export { parseServeArgs, resolveServe, serveConfigFromArgs, type ServeConfig, type LogSettings, type ResolveOptions } from './serve.js';
export { parseSettingsJson, formatSettingsJson } from './settings-json.js';
export { readSettingsFile, writeSettingsFile } from './settings-file.js';
