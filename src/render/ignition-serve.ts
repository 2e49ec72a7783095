// How a rendered ignition asset is served: as Ignition JSON (ignition.ts), with Ignition's media
// type. A config that cannot be converted is a TEMPLATE_ERROR naming the asset, so the boot HTTP
// service answers 500 with that message (and logs it) instead of serving YAML Ignition rejects.
import type { Boot } from '../model/index.js';
import { ApplianceError } from '../model/index.js';
import { IgnitionError, toIgnition } from './ignition.js';

/**
 * The media type Ignition asks for (its Accept header, internal/resource/url.go in coreos/ignition);
 * it accepts any type, but proxies and people reading a capture see what the body is.
 */
export const IGNITION_CONTENT_TYPE = 'application/vnd.coreos.ignition+json';

/**
 * `boot.metadata.ignition_version` names the Ignition spec the boot's OS reads: the version of an
 * Ignition-in-YAML asset that names none, and the newest one the asset may use.
 */
export function expectedSpec(boot: Boot | undefined): string | undefined {
  const v = boot?.metadata?.ignition_version;
  return typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v);
}

/** `file` is the asset's path in the SoT (assets/ignition/<name>), for the message. */
export function serveIgnition(text: string, file: string, boot: Boot | undefined): string {
  try {
    return toIgnition(text, expectedSpec(boot)).text;
  } catch (e) {
    if (e instanceof IgnitionError) throw new ApplianceError('TEMPLATE_ERROR', `${file}: cannot serve as Ignition JSON: ${e.message}`, { file });
    throw e;
  }
}
