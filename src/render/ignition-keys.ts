// Shared pieces of the YAML → Ignition conversion: the error type and the key spelling.

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * Why a config cannot be served: `yaml` the text is no YAML mapping; `config` a field Ignition or
 * Butane would refuse (or Corral cannot translate); `no-spec` nothing says which Ignition spec it
 * is; `spec` the spec it is written in is not one the boot's OS reads.
 */
export type IgnitionErrorKind = 'yaml' | 'config' | 'no-spec' | 'spec';

/** A config that cannot be turned into Ignition JSON; `path` is where in the YAML document. */
export class IgnitionError extends Error {
  readonly kind: IgnitionErrorKind;
  /** For a YAML syntax error: where in the text converted (1-based). */
  readonly pos: { line: number; col: number } | undefined;
  /** The field to point a reader at: `path`, or one the message does not name (the spec version). */
  readonly at: (string | number)[];

  constructor(
    message: string,
    readonly path: (string | number)[] = [],
    opts: { kind?: IgnitionErrorKind; pos?: { line: number; col: number }; at?: (string | number)[] } = {},
  ) {
    super(path.length ? `${formatPath(path)}: ${message}` : message);
    this.name = 'IgnitionError';
    this.kind = opts.kind ?? 'config';
    this.pos = opts.pos;
    this.at = opts.at ?? path;
  }
}

export function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
}

export function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Ignition JSON keys are camelCase and none has an underscore (every Ignition config schema,
 * 2.x and 3.x); the YAML tools (Butane, and the Container Linux Config Vaquero users wrote) spell
 * the same keys in snake_case, so a snake_case key can only mean its camelCase twin: ssh_authorized_keys →
 * sshAuthorizedKeys, size_mib → sizeMiB (the one irregular spelling). Ignition config objects
 * have no free-form maps, so every key is a field name.
 */
export function camelKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (!isObject(v)) return v;
  const out: { [k: string]: Json } = {};
  for (const [k, x] of Object.entries(v)) out[camelKey(k)] = camelKeys(x);
  return out;
}

export function camelKey(k: string): string {
  if (!k.includes('_')) return k;
  return k.replace(/_mib$/, '_MiB').replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}
