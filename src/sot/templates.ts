// Template checks for the SoT: every asset and OS field must parse (a problem names the file
// and line), and, on request, every host's files must render.
import type { Problem, Sot } from '../model/index.js';
import { isApplianceError } from '../model/index.js';
import { TemplateError, TemplateSet } from '../render/template/index.js';
import { osFieldTemplates, renderIpxe, renderUnattended, TEMPLATE_FUNCS, workflowOf } from '../render/render.js';
import type { BootUrls } from '../render/context.js';
import type { ParsedDoc } from './read.js';
import type { Reporter } from './report.js';

export function checkTemplates(sot: Sot, docOf: (o: object) => ParsedDoc, r: Reporter): void {
  // Snippets first, so `template "x"` calls in the files resolve within their type.
  for (const type of new Set(sot.assets.map((a) => a.type))) {
    const set = new TemplateSet({ funcs: TEMPLATE_FUNCS });
    const assets = sot.assets.filter((a) => a.type === type).sort((a, b) => Number(b.snippet) - Number(a.snippet));
    for (const a of assets) {
      try {
        set.add(a.file, a.text);
      } catch (e) {
        r.direct.push(templateProblem(e, a.file));
      }
    }
  }
  for (const os of sot.oses) {
    for (const [name, text] of osFieldTemplates(os)) {
      try {
        new TemplateSet({ funcs: TEMPLATE_FUNCS }).add(name, text);
      } catch (e) {
        const field = name.slice(name.indexOf('#') + 1);
        const path = field.split(/[.[\]]+/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        r.at(docOf(os), path, `template: ${(e as Error).message}`);
      }
    }
  }
}

function templateProblem(e: unknown, file: string): Problem {
  if (e instanceof TemplateError) return { file: e.file || file, line: e.line || 1, col: e.col || 1, severity: 'error', message: e.message };
  return { file, line: 1, col: 1, severity: 'error', message: String((e as Error).message ?? e) };
}

/** Renders every boot of every host's workflow (iPXE script and unattended file); one problem per failure. */
export function checkRenders(sot: Sot, urls: BootUrls): Problem[] {
  const problems: Problem[] = [];
  for (const host of sot.hosts) {
    const workflow = workflowOf(sot, host);
    if (!workflow) continue;
    workflow.boots.forEach((bootId, bootIndex) => {
      const boot = sot.boots.find((b) => b.id === bootId);
      const kinds: ('ipxe' | 'unattended')[] = boot?.unattended ? ['ipxe', 'unattended'] : ['ipxe'];
      for (const kind of kinds) {
        try {
          if (kind === 'ipxe') renderIpxe(sot, { host, workflow, bootIndex }, urls);
          else renderUnattended(sot, { host, workflow, bootIndex }, urls);
        } catch (e) {
          const msg = isApplianceError(e) || e instanceof Error ? e.message : String(e);
          problems.push({ ...host.source, severity: 'error', message: `host "${host.name}" boot "${bootId}" ${kind}: ${msg}` });
        }
      }
    });
  }
  return problems;
}
