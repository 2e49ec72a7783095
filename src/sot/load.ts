// loadSot(dir) -> { sot, problems }: reads every file, builds the normalised model, and reports
// every problem found (never stops at the first). `sot` is usable only when no problem is an error.
import type { Asset, Problem, Site, Sot, UnattendedType } from '../model/index.js';
import { readSotDir, type ParsedDoc } from './read.js';
import { Reporter } from './report.js';
import { buildSite } from './build-site.js';
import { buildCluster } from './build-host.js';
import { buildBoot, buildOs, buildPool, buildRole, buildWorkflow } from './build-catalog.js';
import { crossCheck } from './crossref.js';
import { checkIgnitionAssets, checkTemplates } from './templates.js';
import { adoptHosts } from './owner.js';
import { upgradeDocs } from './upgrade.js';
import { addPoolVms } from '../pools/qemu/hosts.js';

export interface LoadResult {
  sot: Sot;
  problems: Problem[];
  /** True when no problem is an error: the SoT may be served. */
  ok: boolean;
  /** Every file read (YAML and assets), relative to the root: what a last-good copy keeps. */
  files: { rel: string; text: string }[];
}

const ASSET_TYPES = new Set(['ignition', 'cloud-config', 'kickstart', 'preseed', 'untyped', 'ipxe']);

export async function loadSot(root: string): Promise<LoadResult> {
  const read = await readSotDir(root);
  const r = new Reporter();
  r.direct.push(...read.problems);
  // Older Vaquero formats are read as today's (warnings say what Corral ignores).
  const { docs, assets } = upgradeDocs(read.docs, read.assets, r);
  const docOf = new Map<object, ParsedDoc>();
  const keep = <T extends object>(doc: ParsedDoc, o: T | undefined): o is T => {
    if (o) docOf.set(o, doc);
    return o !== undefined;
  };
  const sot: Sot = {
    revision: read.revision,
    root,
    sites: [],
    clusters: [],
    hosts: [],
    oses: [],
    boots: [],
    workflows: [],
    assets: [],
    roles: [],
    pools: [],
  };
  for (const a of assets) {
    if (!ASSET_TYPES.has(a.type)) {
      r.direct.push({ file: a.rel, line: 1, col: 1, severity: 'warning', message: `unknown asset type folder "${a.type}" (expected ${[...ASSET_TYPES].join(', ')})` });
      continue;
    }
    sot.assets.push({ type: a.type as UnattendedType | 'ipxe', name: a.name, file: a.rel, text: a.text, snippet: a.snippet } satisfies Asset);
  }
  buildCatalog(docs, sot, r, keep);
  buildSites(docs, read.siteDirs, sot, r, keep);
  // qemu pools' VMs become hosts before the cross-checks, which then point at the pool's file.
  for (const added of addPoolVms(sot)) for (const o of [...added.hosts, ...(added.cluster ? [added.cluster] : [])]) docOf.set(o, docOf.get(added.pool)!);
  crossCheck(sot, (o) => docOf.get(o)!, r);
  checkTemplates(sot, (o) => docOf.get(o)!, r);
  adoptHosts(sot);
  r.direct.push(...checkIgnitionAssets(sot));
  const files = [...read.files, ...read.assets.map((a) => ({ rel: a.rel, text: a.text }))];
  const problems = withExcerpts(r.resolve(), files);
  return { sot, problems, ok: !problems.some((p) => p.severity === 'error'), files };
}

/** Problems a reader can act on without opening the file: each with the line it points at (the first 500). */
const EXCERPTS = 500;
const EXCERPT_CHARS = 240;

function withExcerpts(problems: Problem[], files: { rel: string; text: string }[]): Problem[] {
  const text = new Map(files.map((f) => [f.rel, f.text]));
  const lines = new Map<string, string[]>();
  return problems.map((p, i) => {
    const t = i < EXCERPTS ? text.get(p.file) : undefined;
    if (t === undefined || p.line < 1) return p;
    let ls = lines.get(p.file);
    if (!ls) lines.set(p.file, (ls = t.split('\n')));
    const line = ls[p.line - 1]?.replace(/\r$/, '');
    return line === undefined || line.trim() === '' ? p : { ...p, excerpt: line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line };
  });
}

type Keep = <T extends object>(doc: ParsedDoc, o: T | undefined) => o is T;

function buildCatalog(docs: ParsedDoc[], sot: Sot, r: Reporter, keep: Keep): void {
  const add = <T extends object>(doc: ParsedDoc, o: T | undefined, into: T[]) => {
    if (keep(doc, o)) into.push(o);
  };
  for (const doc of docs) {
    if (doc.kind === 'os') add(doc, buildOs(doc, r), sot.oses);
    else if (doc.kind === 'boot') add(doc, buildBoot(doc, r), sot.boots);
    else if (doc.kind === 'workflow') add(doc, buildWorkflow(doc, r), sot.workflows);
    else if (doc.kind === 'role') add(doc, buildRole(doc, r), sot.roles);
    else if (doc.kind === 'pool') add(doc, buildPool(doc, r), sot.pools);
  }
}

function buildSites(docs: ParsedDoc[], siteDirs: string[], sot: Sot, r: Reporter, keep: Keep): void {
  for (const dir of siteDirs) {
    const inDir = docs.filter((d) => d.siteDir === dir);
    const envDocs = inDir.filter((d) => d.kind === 'env');
    if (envDocs.length === 0) {
      const f = inDir[0]?.file.rel ?? `sites/${dir}`;
      r.direct.push({ file: f, line: 1, col: 1, severity: 'error', message: `site folder "sites/${dir}" has no env.yml` });
      continue;
    }
    envDocs.slice(1).forEach((d) => r.at(d, [], 'env.yml must hold exactly one document (the site)'));
    const site: Site | undefined = buildSite(envDocs[0]!, r);
    if (!keep(envDocs[0]!, site)) continue;
    sot.sites.push(site);
    const byFile = new Map<string, ParsedDoc[]>();
    for (const d of inDir) {
      if (d.kind !== 'cluster-file') continue;
      const l = byFile.get(d.file.rel);
      if (l) l.push(d);
      else byFile.set(d.file.rel, [d]);
    }
    for (const fileDocs of byFile.values()) {
      const { cluster, hosts } = buildCluster(fileDocs, site.id, r);
      keep(fileDocs[0]!, cluster);
      sot.clusters.push(cluster);
      site.clusterIds.push(cluster.id);
      for (const { doc, host } of hosts) {
        keep(doc, host);
        sot.hosts.push(host);
      }
    }
  }
}
