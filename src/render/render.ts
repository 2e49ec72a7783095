// Rendering iPXE scripts and unattended files: a pure function of (SoT, host, URLs). Template
// sets are parsed once per SoT revision and reused for every request. Callback URLs carry the
// secret given in BootUrls, else a masked placeholder (renderPreview always masks).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Boot, Host, HostRuntime, Os, Sot, Workflow } from '../model/index.js';
import { ApplianceError } from '../model/index.js';
import { packageRoot } from '../lib/package-root.js';
import { TemplateError, TemplateSet } from './template/index.js';
import { IGNITION_CONTENT_TYPE, serveIgnition } from './ignition-serve.js';
import { buildHostContext, checkpointUrl, type BootUrls, type HostContext, type RenderTarget } from './context.js';
import { isBusy } from '../lifecycle/states.js';

/** Functions Vaquero templates may call; bodies are bound per render (see funcsFor). */
export const TEMPLATE_FUNCS: Record<string, (...args: unknown[]) => unknown> = {
  Checkpoint: () => '',
};

const HOST_TEMPLATE = 'pxe/host.ipxe.tpl';
const EXIT_TEMPLATE = 'pxe/exit.ipxe.tpl';

export interface Compiled {
  /** One set per asset type (snippets of a type are shared by all its files). */
  byType: Map<string, TemplateSet>;
  /** OS kernel/initrd/cmdline strings, named "<os file>#<field>". */
  osFields: TemplateSet;
  builtin: TemplateSet;
}

const cache = new WeakMap<Sot, Compiled>();

/** Parses every template of the SoT. Throws TemplateError on the first bad one. */
export function compileSot(sot: Sot): Compiled {
  const hit = cache.get(sot);
  if (hit) return hit;
  const byType = new Map<string, TemplateSet>();
  const ordered = [...sot.assets].sort((a, b) => Number(b.snippet) - Number(a.snippet));
  for (const a of ordered) {
    let set = byType.get(a.type);
    if (!set) byType.set(a.type, (set = new TemplateSet({ funcs: TEMPLATE_FUNCS })));
    set.add(a.file, a.text);
  }
  const osFields = new TemplateSet({ funcs: TEMPLATE_FUNCS });
  for (const os of sot.oses) for (const [name, text] of osFieldTemplates(os)) osFields.add(name, text);
  const compiled = { byType, osFields, builtin: builtinTemplates() };
  cache.set(sot, compiled);
  return compiled;
}

export function osFieldTemplates(os: Os): [string, string][] {
  const base = `${os.source.file}#`;
  const out: [string, string][] = [[`${base}boot.kernel`, os.kernel]];
  os.initrd.forEach((t, i) => out.push([`${base}boot.initrd[${i}]`, t]));
  os.cmdline.forEach((c, i) => c.value && out.push([`${base}cmdline[${i}].${c.key}`, c.value]));
  return out;
}

let builtin: TemplateSet | undefined;
function builtinTemplates(): TemplateSet {
  if (builtin) return builtin;
  const set = new TemplateSet({ funcs: TEMPLATE_FUNCS });
  for (const name of [HOST_TEMPLATE, EXIT_TEMPLATE]) set.add(name, readFileSync(join(packageRoot(), name), 'utf8'));
  return (builtin = set);
}

function funcsFor(ctx: HostContext, urls: BootUrls): Record<string, (...args: unknown[]) => unknown> {
  return { Checkpoint: (n?: unknown) => checkpointUrl(urls, ctx.mac, ctx.boot?.id ?? 'none', n) };
}

/** A boot of `workflow` named by id or by 0-based position; undefined when it has no such boot. */
export function bootPosition(workflow: Workflow, ref: string): number | undefined {
  const i = /^\d+$/.test(ref) ? Number(ref) : workflow.boots.indexOf(ref);
  return i >= 0 && i < workflow.boots.length ? i : undefined;
}

export function workflowOf(sot: Sot, host: Host): Workflow | undefined {
  let id = host.workflow;
  if (!id && host.role) {
    const role = sot.roles.find((r) => r.name === host.role!.name);
    const version = host.role.version ?? role?.activeVersion;
    id = role?.versions.find((v) => v.version === version)?.workflow;
  }
  return id ? sot.workflows.find((w) => w.id === id) : undefined;
}

/** The workflow a host is running (a reclaim runs the wipe workflow), else the SoT's. */
export function runningWorkflow(sot: Sot, host: Host, rt: HostRuntime | undefined): Workflow | undefined {
  if (isBusy(rt) && rt?.workflow) {
    const wf = sot.workflows.find((w) => w.id === rt.workflow);
    if (wf) return wf;
  }
  return workflowOf(sot, host);
}

/** The host's iPXE script for its current boot. */
export function renderIpxe(sot: Sot, target: RenderTarget, urls: BootUrls): string {
  const t = { ...target, workflow: target.workflow ?? workflowOf(sot, target.host) };
  const ctx = buildHostContext(sot, t, urls);
  if (!ctx.boot || !ctx.os) {
    throw new ApplianceError('TEMPLATE_ERROR', `host "${target.host.name}" has no workflow boot to render`);
  }
  const compiled = compileSot(sot);
  const funcs = funcsFor(ctx, urls);
  const field = (name: string) => wrap(() => compiled.osFields.execute(`${ctx.os!.source.file}#${name}`, ctx.data, funcs));
  const kernel = field('boot.kernel');
  const initrds = ctx.os.initrd.map((_, i) => field(`boot.initrd[${i}]`));
  const cmdline = ctx.os.cmdline.map((c, i) => (c.value ? `${c.key}=${field(`cmdline[${i}].${c.key}`)}` : c.key));
  // The EFI stub loads initrds by name from the kernel command line; harmless on BIOS.
  if (!ctx.os.cmdline.some((c) => c.key === 'initrd')) {
    for (const url of initrds) cmdline.push(`initrd=${basename(url)}`);
  }
  const data = { ...ctx.data, kernel, initrds, cmdline };
  if (ctx.os.ipxeTemplate) {
    const set = compiled.byType.get('ipxe');
    const asset = sot.assets.find((a) => a.type === 'ipxe' && a.name === ctx.os!.ipxeTemplate);
    if (set && asset) return wrap(() => set.execute(asset.file, data, funcs));
  }
  return wrap(() => compiled.builtin.execute(HOST_TEMPLATE, data, funcs));
}

/** The script for a machine Corral will not boot: exit to the next boot device. */
export function renderExitScript(reason: string): string {
  return wrap(() => builtinTemplates().execute(EXIT_TEMPLATE, { reason }));
}

/** The host's unattended file (ignition, cloud-config, kickstart, preseed or untyped) for its current boot. */
export function renderUnattended(sot: Sot, target: RenderTarget, urls: BootUrls): { type: string; text: string } {
  const { type, text } = renderUnattendedFile(sot, target, urls);
  return { type, text };
}

/** The unattended file as machines get it: an ignition asset written as YAML becomes Ignition JSON. */
export function renderServedUnattended(sot: Sot, target: RenderTarget, urls: BootUrls): { type: string; contentType: string; text: string } {
  const { type, text, file, boot } = renderUnattendedFile(sot, target, urls);
  if (type !== 'ignition') return { type, contentType: 'text/plain; charset=utf-8', text };
  return { type, contentType: IGNITION_CONTENT_TYPE, text: serveIgnition(text, file, boot) };
}

/** The unattended file as its template renders it (before an ignition asset becomes JSON), with the asset's file and the boot. */
export function renderUnattendedFile(sot: Sot, target: RenderTarget, urls: BootUrls): { type: string; text: string; file: string; boot: Boot | undefined } {
  const t = { ...target, workflow: target.workflow ?? workflowOf(sot, target.host) };
  const ctx = buildHostContext(sot, t, urls);
  const un = ctx.boot?.unattended;
  if (!un) throw new ApplianceError('NOT_FOUND', `host "${target.host.name}" has no unattended file in its current boot`);
  const compiled = compileSot(sot);
  const set = compiled.byType.get(un.type);
  const asset = sot.assets.find((a) => a.type === un.type && a.name === un.use && !a.snippet);
  if (!set || !asset) throw new ApplianceError('NOT_FOUND', `unattended file assets/${un.type}/${un.use} not found`);
  return { type: un.type, text: wrap(() => set.execute(asset.file, ctx.data, funcsFor(ctx, urls))), file: asset.file, boot: ctx.boot };
}

export type RenderKind = 'ipxe' | 'unattended';

/**
 * A host's iPXE script or unattended file as a person may see it: any secret in `urls` is dropped,
 * so callback URLs show MASKED_SECRET. For the operator API's preview; build the target with
 * runningWorkflow(sot, host, rt) and rt.bootIndex to show what the machine is being served.
 */
export function renderPreview(sot: Sot, target: RenderTarget, urls: BootUrls, kind: RenderKind): { type: string; contentType: string; text: string } {
  const masked: BootUrls = { base: urls.base };
  if (kind === 'ipxe') return { type: 'ipxe', contentType: 'text/plain; charset=utf-8', text: renderIpxe(sot, target, masked) };
  return renderServedUnattended(sot, target, masked);
}

function basename(url: string): string {
  const path = url.split(/[?#]/)[0]!;
  return path.slice(path.lastIndexOf('/') + 1);
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TemplateError) throw new ApplianceError('TEMPLATE_ERROR', e.message, { file: e.file, line: e.line });
    throw e;
  }
}
