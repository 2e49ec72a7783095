// A readable API reference at /docs, rendered on the server from the OpenAPI document: plain
// HTML and CSS, no script and no CDN, so it works on an appliance with no Internet access.
type Json = Record<string, any>;

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function docsPage(doc: Json): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(ops as Record<string, Json>)) {
      const params = (op.parameters as Json[]).map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${esc(p.description ?? '')}</td></tr>`).join('');
      const body = op.requestBody ? `<h4>Body</h4><pre>${esc(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2))}</pre>` : '';
      const resp = Object.entries(op.responses as Record<string, Json>).map(([c, r]) => `<li><b>${esc(c)}</b> ${esc(r.description)}</li>`).join('');
      const html =
        `<section id="${esc(op.operationId)}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> <span class="a">${esc(op['x-corral-access'])}</span></h3>` +
        `<p>${esc(op.summary)}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}` +
        (params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th><th></th></tr>${params}</table>` : '') +
        `${body}<h4>Responses</h4><ul>${resp}</ul></section>`;
      for (const tag of (op.tags as string[]) ?? ['other']) byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const toc = [...byTag.keys()].map((t) => `<a href="#tag-${esc(t)}">${esc(t)}</a>`).join(' · ');
  const sections = [...byTag].map(([t, ops]) => `<h2 id="tag-${esc(t)}">${esc(t)}</h2>${ops.join('')}`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}code,pre{font:12px ui-monospace,monospace}
pre{background:#f5f5f5;padding:.6em;overflow:auto}section{border-top:1px solid #ddd;padding:.4em 0}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4em;color:#fff;padding:0 .3em;border-radius:3px;text-align:center}.get{background:#2a7}.post{background:#27c}.put{background:#c82}.delete{background:#c33}.patch{background:#85c}.a{font-size:12px;color:#777}</style>
</head><body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description)}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Access: <b>public</b>, <b>read</b> (open on loopback, a token otherwise), <b>user</b> (any token), <b>admin</b>.</p><nav>${toc}</nav>${sections}</body></html>`;
}
