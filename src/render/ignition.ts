// A rendered ignition asset → the Ignition JSON an Ignition client reads. Pure: text in, text out.
// Vaquero users write ignition assets as YAML, in one of two shapes:
//   - Ignition-in-YAML: the Ignition config structure written as YAML (ignition.version, storage,
//     systemd, passwd, networkd for 2.x), converted to JSON as it is;
//   - Butane (variant: fcos|flatcar, version: 1.x.0): translated by ignition-butane.ts.
// A text that already is JSON is served unchanged.
import { parse, YAMLParseError, type ScalarTag } from 'yaml';
import { butaneToIgnition } from './ignition-butane.js';
import { IgnitionError, camelKeys, isObject, type Json } from './ignition-keys.js';

export { IgnitionError } from './ignition-keys.js';

export interface IgnitionResult {
  /** Compact Ignition JSON (or the asset's own JSON text, unchanged). */
  text: string;
  /** The Ignition spec version of the config, when it names one. */
  spec: string | undefined;
  /** false when the text already was JSON. */
  converted: boolean;
}

/**
 * go-yaml (which Butane, ct and Vaquero use) reads `0644` as octal, as YAML 1.1 did; the `yaml`
 * package's YAML 1.2 core schema would read 644. File modes are written that way (`mode: 0644`
 * in every Butane example), and Ignition wants the decimal number (420), so legacy octal wins.
 */
const LEGACY_OCTAL: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^0[0-7]+$/,
  resolve: (s) => parseInt(s, 8),
};

/** Container Linux Config (ct) sections: not Ignition, and ct's translation is not Corral's. */
const CLC_SECTIONS = ['etcd', 'flannel', 'locksmith', 'update', 'docker'];

const SPEC = /^([23])\.(\d+)\.(\d+)(-experimental)?$/;

/**
 * `expected` is the Ignition spec version the OS reads (boot metadata ignition_version): the
 * version of a config that names none, and a bound on one that does.
 */
export function toIgnition(text: string, expected?: string): IgnitionResult {
  if (expected !== undefined && !SPEC.test(expected)) throw new IgnitionError(`ignition_version ${JSON.stringify(expected)} is not an Ignition spec version (like 3.4.0)`, [], { kind: 'spec' });
  if (text.trimStart().startsWith('{')) {
    const json = tryJson(text);
    if (json !== undefined) {
      const v = isObject(json) && isObject(json.ignition) ? json.ignition.version : undefined;
      const spec = typeof v === 'string' ? v : undefined;
      if (spec) checkCompatible(spec, expected, ['ignition', 'version']);
      return { text, spec, converted: false };
    }
  }
  const doc = parseYaml(text);
  const butane = 'variant' in doc;
  const { spec, config } = butane ? butaneToIgnition(doc) : ignitionInYaml(doc, expected);
  // A Butane config's spec comes from its version; an Ignition one's from ignition.version.
  checkCompatible(spec, expected, butane ? ['version'] : ['ignition', 'version']);
  return { text: JSON.stringify(config), spec, converted: true };
}

function ignitionInYaml(doc: Record<string, Json>, expected: string | undefined): { spec: string; config: Record<string, Json> } {
  for (const s of CLC_SECTIONS) {
    if (s in doc) throw new IgnitionError(`"${s}" is a Container Linux Config section, not Ignition; transpile with ct and serve its JSON`, [s]);
  }
  const ign = doc.ignition ?? {};
  if (!isObject(ign)) throw new IgnitionError('must be a mapping', ['ignition']);
  const v = ign.version;
  if (v !== undefined && typeof v !== 'string') throw new IgnitionError(`must be a string like "3.4.0" (quote it: YAML reads ${JSON.stringify(v)} as a number)`, ['ignition', 'version']);
  const spec = v ?? expected;
  if (!spec) throw new IgnitionError('no Ignition spec version: set ignition.version in the asset, or ignition_version in the boot\'s metadata', [], { kind: 'no-spec' });
  if (!SPEC.test(spec)) throw new IgnitionError(`${JSON.stringify(spec)} is not an Ignition spec version (like 3.4.0)`, ['ignition', 'version']);
  const { ignition, ...body } = camelKeys(doc) as Record<string, Json>;
  return { spec, config: { ignition: { version: spec, ...(ignition as Record<string, Json> | undefined) }, ...body } };
}

/**
 * Ignition reads configs of its own major spec version up to its own minor (it translates older
 * 3.x configs forward; 2.x and 3.x are separate parsers), so a newer or other-major config fails.
 */
function checkCompatible(spec: string, expected: string | undefined, path: string[]): void {
  if (!expected) return;
  const a = SPEC.exec(spec);
  const b = SPEC.exec(expected)!;
  if (!a) return;
  const newer = Number(a[2]) > Number(b[2]) || (a[2] === b[2] && Number(a[3]) > Number(b[3]));
  if (a[1] !== b[1] || newer) throw new IgnitionError(`the config is Ignition spec ${spec}, but the boot's ignition_version says the OS reads ${expected}`, [], { kind: 'spec', at: path });
}

function parseYaml(text: string): Record<string, Json> {
  let doc: unknown;
  try {
    doc = parse(text, { customTags: (tags) => [LEGACY_OCTAL, ...tags] });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      // Lines of the rendered text: templates may add or drop lines, so not always the file's.
      const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      const pos = e.linePos?.[0];
      throw new IgnitionError(`not valid YAML${pos ? ` (rendered line ${pos.line}, column ${pos.col})` : ''}: ${what}`, [], { kind: 'yaml', ...(pos && { pos: { line: pos.line, col: pos.col } }) });
    }
    throw e;
  }
  if (doc === null || doc === undefined) throw new IgnitionError('the rendered asset is empty', [], { kind: 'yaml' });
  if (!isObject(doc as Json)) throw new IgnitionError('the rendered asset is not a YAML mapping', [], { kind: 'yaml' });
  return doc as Record<string, Json>;
}

function tryJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}
