// Butane (formerly Fedora CoreOS Config) to Ignition: the subset of Butane's sugar Corral can
// translate without Butane itself. Pure functions; errors are IgnitionError with a path.
//   https://coreos.github.io/butane/specs/           variant/version → Ignition spec table
//   https://coreos.github.io/butane/config-fcos-v1_5/ field reference (fcos; flatcar is the same base)
import { IgnitionError, camelKeys, isObject, type Json } from './ignition-keys.js';

/**
 * Butane variant → Butane version → Ignition spec version it produces ("Butane specifications and
 * Ignition specifications" table of the Butane docs; experimental versions are left out).
 */
export const BUTANE_SPECS: Record<string, Record<string, string>> = {
  fcos: { '1.0.0': '3.0.0', '1.1.0': '3.1.0', '1.2.0': '3.2.0', '1.3.0': '3.2.0', '1.4.0': '3.3.0', '1.5.0': '3.4.0', '1.6.0': '3.5.0' },
  flatcar: { '1.0.0': '3.3.0', '1.1.0': '3.4.0' },
};

/**
 * Butane fields that make Butane generate other config (units, partitions, files from a local
 * directory): translating them means reimplementing Butane, so they are refused by name.
 */
const UNSUPPORTED: [path: string[], why: string][] = [
  [['storage', 'trees'], 'copies a local directory tree, which a served asset does not have'],
  [['boot_device'], 'generates LUKS/RAID layout and kernel arguments; run butane and serve its JSON'],
  [['grub'], 'generates GRUB config files; run butane and serve its JSON'],
];

/** The Ignition spec version a Butane document targets. */
export function butaneSpec(variant: unknown, version: unknown): string {
  const specs = typeof variant === 'string' ? BUTANE_SPECS[variant] : undefined;
  if (!specs) throw new IgnitionError(`Butane variant ${JSON.stringify(variant)} is not supported (supported: ${Object.keys(BUTANE_SPECS).join(', ')})`, ['variant']);
  const spec = typeof version === 'string' ? specs[version] : undefined;
  if (!spec) throw new IgnitionError(`Butane ${variant} version ${JSON.stringify(version)} is not supported (supported: ${Object.keys(specs).join(', ')})`, ['version']);
  return spec;
}

/** Butane document → Ignition config of its spec version. */
export function butaneToIgnition(doc: Record<string, Json>): { spec: string; config: Record<string, Json> } {
  const { variant, version, ...rest } = doc;
  const spec = butaneSpec(variant, version);
  const ign = rest.ignition;
  if (isObject(ign) && 'version' in ign) {
    throw new IgnitionError('a Butane config takes its Ignition version from variant/version; remove ignition.version', ['ignition', 'version']);
  }
  for (const [path, why] of UNSUPPORTED) {
    if (at(rest, path) !== undefined) throw new IgnitionError(`${path.join('.')} is not supported: it ${why}`, path);
  }
  const fss = at(rest, ['storage', 'filesystems']);
  if (Array.isArray(fss)) {
    fss.forEach((fs, i) => {
      if (isObject(fs) && 'with_mount_unit' in fs) {
        throw new IgnitionError('with_mount_unit is not supported: it generates a systemd mount unit; write the unit under systemd.units', ['storage', 'filesystems', i, 'with_mount_unit']);
      }
    });
  }
  const { ignition, ...body } = camelKeys(resources(rest, [])) as Record<string, Json>;
  return { spec, config: { ignition: { version: spec, ...(isObject(ignition) ? ignition : {}) }, ...body } };
}

/**
 * Butane's resource sugar, anywhere it appears (files[].contents, files[].append[], luks key_file,
 * ignition.config merge/replace, tls certificate_authorities): `inline` becomes an RFC 2397 data
 * URL in `source`; `local` and the `*_local` fields read files beside the Butane config, which a
 * served asset does not have.
 */
function resources(v: Json, path: (string | number)[]): Json {
  if (Array.isArray(v)) return v.map((x, i) => resources(x, [...path, i]));
  if (!isObject(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'local' || k.endsWith('_local')) {
      throw new IgnitionError(`${k} is not available: it names a file beside the Butane config, and Corral serves the asset alone; use inline`, [...path, k]);
    }
    if (k === 'inline') {
      if (typeof x !== 'string') throw new IgnitionError('inline must be a string', [...path, k]);
      if ('source' in v) throw new IgnitionError('inline and source are exclusive', [...path, k]);
      out.source = dataUrl(x);
      continue;
    }
    out[k] = resources(x, [...path, k]);
  }
  return out;
}

/**
 * RFC 2397 data URL with the data percent-encoded (no media type: text/plain;charset=US-ASCII is
 * the default, and Ignition writes the bytes as they are). encodeURIComponent leaves only
 * unreserved characters bare, which RFC 2397's "urlchar" allows.
 */
export function dataUrl(text: string): string {
  try {
    return `data:,${encodeURIComponent(text)}`;
  } catch {
    throw new IgnitionError('inline text is not valid Unicode (a lone surrogate)');
  }
}

function at(v: Json, path: string[]): Json | undefined {
  let cur: Json | undefined = v;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}
