// Template checks for the SoT: every asset and OS field must parse (a problem names the file
// and line), every ignition asset a boot uses must convert to the Ignition JSON it is served as,
// and, on request, every host's files must render.
import type { Asset, Boot, Host, Problem, Sot, Workflow } from '../model/index.js';
import { isApplianceError } from '../model/index.js';
import { TemplateError, TemplateSet } from '../render/template/index.js';
import { osFieldTemplates, renderIpxe, renderUnattended, renderUnattendedFile, TEMPLATE_FUNCS, workflowOf } from '../render/render.js';
import { siteBaseUrl, type BootUrls } from '../render/context.js';
import { IgnitionError, toIgnition } from '../render/ignition.js';
import { expectedSpec } from '../render/ignition-serve.js';
import type { ParsedDoc } from './read.js';
import type { Reporter } from './report.js';
import { createLocator, type Locator } from './locate.js';

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

/**
 * Renders every boot of every host's workflow (iPXE script and unattended file); one problem per
 * failure, at the host. An ignition file is also converted as it is served (ignition.ts): one that
 * cannot be is a problem at its asset, once per asset and reason, naming the first host it failed for.
 */
export function checkRenders(sot: Sot, urls: BootUrls): Problem[] {
  const problems: Problem[] = [];
  const ignition = new IgnitionProblems(sot);
  for (const host of sot.hosts) {
    const workflow = workflowOf(sot, host);
    if (!workflow) continue;
    workflow.boots.forEach((bootId, bootIndex) => {
      const boot = sot.boots.find((b) => b.id === bootId);
      const kinds: ('ipxe' | 'unattended')[] = boot?.unattended ? ['ipxe', 'unattended'] : ['ipxe'];
      for (const kind of kinds) {
        try {
          if (kind === 'ipxe') renderIpxe(sot, { host, workflow, bootIndex }, urls);
          else if (boot?.unattended?.type === 'ignition') {
            const { text, file } = renderUnattendedFile(sot, { host, workflow, bootIndex }, urls);
            ignition.convert(file, text, boot, host);
          } else renderUnattended(sot, { host, workflow, bootIndex }, urls);
        } catch (e) {
          const msg = isApplianceError(e) || e instanceof Error ? e.message : String(e);
          problems.push({ ...host.source, severity: 'error', message: `host "${host.name}" boot "${bootId}" ${kind}: ${msg}` });
        }
      }
    });
  }
  return [...problems, ...ignition.problems()];
}

/**
 * The ignition assets the SoT's boots use, each converted to Ignition JSON as it would be served,
 * so a SoT whose machines would be answered 500 for their config is refused at load (the last
 * good SoT keeps serving) rather than at the machine's boot. An asset without template actions is
 * converted as written; one with actions is rendered for the first host that runs the boot (its
 * other hosts are `corral validate`'s, checkRenders). Render failures other than the conversion
 * are left to checkRenders too, as they were. A config that names no spec version where its boot
 * names none either is not reported: Vaquero's own assets are written that way.
 */
export function checkIgnitionAssets(sot: Sot): Problem[] {
  const out = new IgnitionProblems(sot);
  for (const boot of sot.boots) {
    const un = boot.unattended;
    if (un?.type !== 'ignition') continue;
    const asset = sot.assets.find((a) => a.type === 'ignition' && a.name === un.use && !a.snippet);
    // A missing asset is crossref's problem.
    if (!asset) continue;
    if (!asset.text.includes('{{')) {
      out.convert(asset.file, asset.text, boot, undefined);
      continue;
    }
    const target = firstTarget(sot, boot.id);
    if (!target) continue;
    let text: string;
    try {
      const site = sot.sites.find((x) => x.id === target.host.siteId);
      text = renderUnattendedFile(sot, target, { base: (site && siteBaseUrl(site)) ?? 'http://127.0.0.1:8080' }).text;
    } catch {
      continue;
    }
    out.convert(asset.file, text, boot, target.host);
  }
  return out.problems();
}

/** The first host whose workflow runs `bootId`, else the first host with a workflow that does (a pool's). */
function firstTarget(sot: Sot, bootId: string): { host: Host; workflow: Workflow; bootIndex: number } | undefined {
  for (const host of sot.hosts) {
    const workflow = workflowOf(sot, host);
    const bootIndex = workflow?.boots.indexOf(bootId) ?? -1;
    if (workflow && bootIndex >= 0) return { host, workflow, bootIndex };
  }
  const workflow = sot.workflows.find((w) => w.boots.includes(bootId));
  const host = sot.hosts[0];
  return workflow && host ? { host, workflow, bootIndex: workflow.boots.indexOf(bootId) } : undefined;
}

/** Converts rendered ignition files and keeps one problem per asset and reason, at the asset's file:line. */
class IgnitionProblems {
  private readonly found = new Map<string, { p: Problem; hosts: string[] }>();
  private readonly locator: Locator = createLocator();

  constructor(private readonly sot: Sot) {}

  convert(file: string, text: string, boot: Boot, host: Host | undefined): void {
    try {
      toIgnition(text, expectedSpec(boot));
    } catch (e) {
      if (!(e instanceof IgnitionError)) throw e;
      if (e.kind === 'no-spec') return;
      const asset = this.sot.assets.find((a) => a.file === file);
      const { line, col } = this.position(asset, text, e);
      // Whether the OS reads the spec depends on the boot; everything else on the text alone.
      const whose = e.kind === 'spec' ? ` (boot "${boot.id}")` : '';
      const message = `cannot be served as Ignition JSON${whose}: ${e.message}`;
      const key = `${file}:${line}:${col}:${message}`;
      const hit = this.found.get(key);
      if (hit) {
        if (host) hit.hosts.push(host.name);
        return;
      }
      this.found.set(key, { p: { file, line, col, severity: 'error', message }, hosts: host ? [host.name] : [] });
    }
  }

  problems(): Problem[] {
    return [...this.found.values()].map(({ p, hosts }) => {
      if (hosts.length === 0) return p;
      const more = hosts.length > 1 ? ` and ${hosts.length - 1} more` : '';
      return { ...p, message: `${p.message} (rendered for host "${hosts[0]}"${more})` };
    });
  }

  /**
   * Where in the asset file: the key of the field the error names, found in the file's own YAML
   * (an asset with template actions usually still parses, the actions sitting in scalars); a YAML
   * syntax error's own position when the file is what was converted; else the first line.
   */
  private position(asset: Asset | undefined, converted: string, e: IgnitionError): { line: number; col: number } {
    if (!asset) return { line: 1, col: 1 };
    if (e.pos && converted === asset.text) return e.pos;
    if (e.at.length) {
      try {
        const at = this.locator.locate(asset.text, 0, e.at, 'key');
        if (at) return at;
      } catch {
        // The file is no YAML the locator can walk (a template action where a key would be).
      }
    }
    return { line: 1, col: 1 };
  }
}
