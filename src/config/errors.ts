// A setting the operator got wrong. Carries the setting's name so each front end words it its
// own way: `--storm-limit` on the command line, `"storm-limit"` in the desktop's settings file.

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}

/** How a front end names a setting in messages. */
export type Label = (key: string) => string;

export const flagLabel: Label = (key) => `--${key}`;
export const jsonLabel: Label = (key) => `"${key}"`;
