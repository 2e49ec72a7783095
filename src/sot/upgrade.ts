// Loader step between reading and building: every document of an older Vaquero format is
// rewritten into today's shape (vaquero-formats.ts), its notes become warnings at the lines as
// written, and a 1.0/1.1 SoT's templates are read with today's names. Documents already in the
// current format pass through untouched (the same objects: nothing is copied for them).
import { isMapping } from './shape.js';
import type { AssetFile, ParsedDoc } from './read.js';
import type { Reporter } from './report.js';
import { createLocator } from './locate.js';
import { isClusterDoc } from './build-host.js';
import {
  applyToValue,
  hostGroupWorkflow,
  inventoryHosts,
  isInventoryDoc,
  mapPathOf,
  planBoot,
  planClusterDoc,
  planEnv,
  planHost,
  planOs,
  planWorkflow,
  type Note,
  type Plan,
} from './vaquero-formats.js';
import { lineColAt, rewriteLegacyTemplate, type UnmappedName } from './legacy-templates.js';
import { vaqueroRange } from './vaquero-releases.js';

/** True for a SoT in Vaquero 1.0/1.1's layout: host_groups/ or inventory documents listing hosts. */
export function isLegacyLayout(docs: { kind: string; value: unknown }[]): boolean {
  return docs.some((d) => d.kind === 'host-group' || (d.kind === 'cluster-file' && isInventoryDoc(d.value)));
}

export const CONVERT_HINT = '`corral sot convert <sot-dir> <out-dir>` writes it in the current layout';

export function legacyLayoutMessage(): string {
  return (
    `this SoT is in the layout of ${vaqueroRange('1.0', '1.1')} (host_groups/, inventory documents listing hosts): ` +
    `Corral reads each host group as a boot with a one-step workflow of the same id, each host by its MAC selector, ` +
    `and the templates' 1.x names (.agent.url, .group, .env.<key>, .host.<key>) as today's; ${CONVERT_HINT}`
  );
}

export function unmappedMessage(name: string): string {
  return `template name "${name}" (${vaqueroRange('1.0', '1.1')}) has no counterpart in Corral's template data`;
}

export function upgradeDocs(docs: ParsedDoc[], assets: AssetFile[], r: Reporter): { docs: ParsedDoc[]; assets: AssetFile[] } {
  const legacy = isLegacyLayout(docs);
  const out: ParsedDoc[] = [];
  const locator = createLocator();
  const report = (doc: ParsedDoc, notes: Note[]) => {
    for (const n of notes) r.at(doc, n.path, n.message, { at: n.at, severity: n.severity ?? 'warning' });
  };
  const edited = (doc: ParsedDoc, p: Plan, kind = doc.kind): ParsedDoc => {
    report(doc, p.notes);
    if (!p.edits.length && kind === doc.kind) return doc;
    const mapPath = mapPathOf(p.edits);
    return { ...doc, kind, value: applyToValue(doc.value as Record<string, unknown>, p.edits), ...(mapPath && { mapPath }) };
  };
  let first: ParsedDoc | undefined;
  for (const doc of docs) {
    const v = doc.value;
    if (!isMapping(v)) {
      out.push(doc);
      continue;
    }
    switch (doc.kind) {
      case 'env':
        out.push(edited(doc, planEnv(v)));
        break;
      case 'workflow':
        out.push(edited(doc, planWorkflow(v)));
        break;
      case 'boot':
        out.push(edited(doc, planBoot(v, false)));
        break;
      case 'os': {
        const p = planOs(v, legacy);
        for (const u of p.unmapped) for (const n of u.names) r.warn(doc, u.path, unmappedMessage(n.name));
        out.push(edited(doc, p));
        break;
      }
      case 'host-group': {
        first ??= doc;
        out.push(edited(doc, planBoot(v, true), 'boot'));
        const wf = hostGroupWorkflow(v);
        if (wf) out.push({ ...doc, kind: 'workflow', value: wf, mapPath: () => ['id'] });
        break;
      }
      case 'cluster-file':
        if (isInventoryDoc(v)) {
          first ??= doc;
          const { hosts, notes } = inventoryHosts(v);
          report(doc, notes);
          for (const h of hosts) {
            const line = locator.locate(doc.file.text, doc.index, h.at, 'value')?.line ?? doc.line;
            out.push({ ...doc, value: h.value, line, mapPath: h.mapPath });
          }
        } else {
          out.push(edited(doc, isClusterDoc(v) ? planClusterDoc(v) : planHost(v)));
        }
        break;
      default:
        out.push(doc);
    }
  }
  if (!legacy) return { docs: out, assets };
  r.at(first!, [], legacyLayoutMessage(), { at: 'key', severity: 'warning' });
  return { docs: out, assets: assets.map((a) => rewriteAsset(a, r)) };
}

function rewriteAsset(a: AssetFile, r: Reporter): AssetFile {
  const rw = rewriteLegacyTemplate(a.text);
  for (const u of rw.unmapped) r.direct.push(unmappedProblem(a.rel, rw.text, u));
  return rw.text === a.text ? a : { ...a, text: rw.text };
}

export function unmappedProblem(file: string, text: string, u: UnmappedName) {
  return { file, ...lineColAt(text, u.offset), severity: 'warning' as const, message: unmappedMessage(u.name) };
}
