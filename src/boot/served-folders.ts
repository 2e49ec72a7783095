// Which folders the boot services serve, and why: /files/ (boot HTTP) from the agent's
// `asset_server.base_dir` and TFTP from its `tftp_server.base_dir`, as Vaquero's agent does,
// unless `corral serve --assets` / `--tftp-root` names one (a flag wins). Read from the SoT being
// served at each use, so a reload that changes base_dir takes effect; a relative base_dir is
// relative to the SoT folder. When several sites name different folders, the first site (by id)
// wins and the choice says so.
import { isAbsolute, join } from 'node:path';
import type { Sot } from '../model/index.js';

export interface ServedFolder {
  dir: string | undefined;
  /** flag: a `corral serve` flag; sot: the named site's agent; default: built in; none: nothing. */
  source: 'flag' | 'sot' | 'default' | 'none';
  site?: string;
  note?: string;
}

export interface ServedFolders {
  assets(): ServedFolder;
  tftp(): ServedFolder;
}

export interface ServedFoldersConfig {
  assetsFlag?: string;
  tftpFlag?: string;
  /** The built-in TFTP root (the package's iPXE binaries). */
  tftpDefault: string;
  sotDir?: string;
  current: () => Sot | undefined;
}

function fromSot(sot: Sot | undefined, pick: (s: Sot['sites'][number]) => string | undefined, sotDir: string | undefined): ServedFolder | undefined {
  const named = (sot?.sites ?? [])
    .map((s) => ({ site: s.id, dir: pick(s) }))
    .filter((x): x is { site: string; dir: string } => !!x.dir)
    .sort((a, b) => a.site.localeCompare(b.site));
  const first = named[0];
  if (!first) return undefined;
  const dir = isAbsolute(first.dir) || !sotDir ? first.dir : join(sotDir, first.dir);
  const others = [...new Set(named.filter((x) => x.dir !== first.dir).map((x) => x.site))];
  return { dir, source: 'sot', site: first.site, ...(others.length && { note: `sites ${others.join(', ')} name other folders; one folder is served (site ${first.site}'s)` }) };
}

/** `compute` for the SoT being served, recomputed only when a reload replaced it (it runs per file request). */
function perSot(current: () => Sot | undefined, compute: (sot: Sot | undefined) => ServedFolder): () => ServedFolder {
  let seen: Sot | undefined;
  let value: ServedFolder | undefined;
  return () => {
    const sot = current();
    if (value === undefined || sot !== seen) {
      seen = sot;
      value = compute(sot);
    }
    return value;
  };
}

export function servedFolders(cfg: ServedFoldersConfig): ServedFolders {
  return {
    assets:
      cfg.assetsFlag !== undefined
        ? () => ({ dir: cfg.assetsFlag, source: 'flag' })
        : perSot(cfg.current, (sot) => fromSot(sot, (s) => s.agents[0]?.assetServer.baseDir, cfg.sotDir) ?? { dir: undefined, source: 'none' }),
    tftp:
      cfg.tftpFlag !== undefined
        ? () => ({ dir: cfg.tftpFlag, source: 'flag' })
        : perSot(cfg.current, (sot) => fromSot(sot, (s) => s.agents[0]?.tftpServer?.baseDir, cfg.sotDir) ?? { dir: cfg.tftpDefault, source: 'default' }),
  };
}
