// A self-signed certificate for the lab's HTTPS services (the Redfish BMCs), made once with the
// openssl CLI into a directory and reused while it is valid. Lab clients accept it explicitly
// (Corral's per-BMC `insecure`, redfishtool, sushy verify=False); it is never a trust anchor.

import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface SelfSignedCert {
  key: string;
  cert: string;
  keyPath: string;
  certPath: string;
}

export interface SelfSignedOptions {
  /** Subject CN (default "corral-lab"). */
  commonName?: string;
  /** subjectAltName entries: IP addresses or DNS names (default 127.0.0.1, ::1, localhost). */
  hosts?: string[];
  /** Validity in days (default 825, the longest lifetime clients commonly accept). */
  days?: number;
}

/** Minimum remaining lifetime for an existing certificate to be reused. */
const REUSE_MARGIN_MS = 24 * 3600 * 1000;

/** key.pem + cert.pem in `dir`: the existing pair when it is valid and matching, else a new one. */
export function selfSignedCert(dir: string, o: SelfSignedOptions = {}): SelfSignedCert {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const have = readPair(keyPath, certPath);
  if (have) return have;

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hosts = o.hosts ?? ['127.0.0.1', '::1', 'localhost'];
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const cn = (o.commonName ?? 'corral-lab').replace(/[/\\=+,]/g, '-');
  // Written under temporary names and renamed, so a concurrent reader never sees half a file;
  // a torn pair (key renamed, cert not yet) fails readPair's match check and is regenerated.
  const tmpKey = `${keyPath}.${process.pid}.tmp`;
  const tmpCert = `${certPath}.${process.pid}.tmp`;
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', String(o.days ?? 825),
        '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`, '-addext', 'extendedKeyUsage=serverAuth',
        '-keyout', tmpKey, '-out', tmpCert],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
    );
    chmodSync(tmpKey, 0o600);
    renameSync(tmpKey, keyPath);
    renameSync(tmpCert, certPath);
  } catch (e) {
    const err = e as Error & { stderr?: Buffer; code?: string };
    const why = err.code === 'ENOENT' ? 'openssl not found (Debian package "openssl")' : (err.stderr?.toString().trim() || err.message);
    throw new Error(`self-signed certificate in ${dir}: ${why}`);
  } finally {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
  }
  const made = readPair(keyPath, certPath);
  if (!made) throw new Error(`self-signed certificate in ${dir}: openssl produced an unusable pair`);
  return made;
}

function readPair(keyPath: string, certPath: string): SelfSignedCert | undefined {
  if (!existsSync(keyPath) || !existsSync(certPath)) return undefined;
  try {
    const key = readFileSync(keyPath, 'utf8');
    const cert = readFileSync(certPath, 'utf8');
    const x = new X509Certificate(cert);
    if (Date.parse(x.validTo) - Date.now() < REUSE_MARGIN_MS) return undefined;
    if (!x.checkPrivateKey(createPrivateKey(key))) return undefined;
    return { key, cert, keyPath, certPath };
  } catch {
    return undefined;
  }
}
