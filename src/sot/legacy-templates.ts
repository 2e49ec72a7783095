// Templates written for Vaquero 1.0/1.1 (host_groups/ layout) name their data differently:
// `.agent.url` was the agent's base URL, `.group` the host group's metadata, `.env` and `.host`
// the site's and the host's metadata (with the host's MAC, selectors and subnet beside it).
// Since Vaquero v0.11 the same things are `.env.agentURL`, `.boot.md`, `.env.md`, `.host.md`,
// `.interface.mac`, `.interface.subnet`. This rewrites the names inside {{ }} actions only,
// never inside quoted strings, and keeps every line where it was (template errors still point
// at the right line of the file on disk).

export interface UnmappedName {
  /** The name as written, e.g. ".host.uuid". */
  name: string;
  /** Offset in the rewritten text. */
  offset: number;
}

export interface TemplateRewrite {
  text: string;
  unmapped: UnmappedName[];
}

// 1.0 wrote the agent URL as "http://{{.agent.url}}:{{.agent.port}}" (url without scheme or port).
const AGENT_URL_PORT = /(?:https?:\/\/)?\{\{-?\s*\.agent\.url\s*-?\}\}:\{\{-?\s*\.agent\.port\s*-?\}\}/g;
// 1.0/1.1 fetched a host's unattended file from a typed endpoint, "<agent>/ignition?mac=<mac>";
// today that is the boot's configURL (extra selectors, "&os=installed", have no counterpart).
const TYPED_CONFIG_URL = /\{\{-?\s*\.agent\.url\s*-?\}\}\/(?:ignition|cloud-config|kickstart|untyped)\?mac=\{\{-?\s*\.host\.(?:selectors\.)?mac\s*-?\}\}(?![&\w])/g;
// A field chain rooted at the data ("." or "$."), not at a variable, a call result or a field.
const CHAIN = /(^|[^\w$.)\]])(\$?)\.(agent|group|host|env)\b((?:\.[A-Za-z_][A-Za-z0-9_]*)*)/g;

export function rewriteLegacyTemplate(text: string): TemplateRewrite {
  // Both become 1.1 names, which the pass below turns into today's.
  const pre = text.replace(AGENT_URL_PORT, '{{ .agent.url }}').replace(TYPED_CONFIG_URL, '{{ .host.configUrl }}');
  const unmapped: UnmappedName[] = [];
  let out = '';
  let i = 0;
  while (i < pre.length) {
    const open = pre.indexOf('{{', i);
    if (open < 0) {
      out += pre.slice(i);
      break;
    }
    const close = actionEnd(pre, open + 2);
    out += pre.slice(i, open + 2);
    const body = pre.slice(open + 2, close);
    out += /^-?\s*\/\*/.test(body) ? body : rewriteAction(body, out.length, unmapped);
    i = close;
  }
  return { text: out, unmapped };
}

/** Index of the "}}" closing the action that starts at `from`, skipping quoted strings. */
function actionEnd(s: string, from: number): number {
  for (let j = from; j < s.length; j++) {
    const c = s[j];
    if (c === '"' || c === '`' || c === "'") {
      j = stringEnd(s, j);
      continue;
    }
    if (c === '}' && s[j + 1] === '}') return j;
  }
  return s.length;
}

function stringEnd(s: string, start: number): number {
  const q = s[start];
  for (let j = start + 1; j < s.length; j++) {
    if (s[j] === '\\' && q !== '`') j++;
    else if (s[j] === q) return j;
  }
  return s.length;
}

/** Rewrites the code of one action; `base` is where it lands in the output (for offsets). */
function rewriteAction(body: string, base: number, unmapped: UnmappedName[]): string {
  let out = '';
  let j = 0;
  while (j < body.length) {
    const q = body.slice(j).search(/["'`]/);
    const codeEnd = q < 0 ? body.length : j + q;
    out += rewriteCode(body.slice(j, codeEnd), base + out.length, unmapped);
    if (codeEnd >= body.length) break;
    const end = Math.min(stringEnd(body, codeEnd), body.length - 1);
    out += body.slice(codeEnd, end + 1);
    j = end + 1;
  }
  return out;
}

function rewriteCode(code: string, base: number, unmapped: UnmappedName[]): string {
  let out = '';
  let last = 0;
  for (const m of code.matchAll(CHAIN)) {
    const [all, before, dollar, root, rest] = m as unknown as [string, string, string, string, string];
    const fields = rest.split('.').filter(Boolean);
    const mapped = mapName(root, fields);
    const start = m.index! + before.length;
    out += code.slice(last, start);
    if (mapped === undefined) {
      unmapped.push({ name: `.${root}${rest}`, offset: base + out.length });
      out += all.slice(before.length);
    } else {
      out += dollar + mapped;
    }
    last = m.index! + all.length;
  }
  return out + code.slice(last);
}

/** Today's name for a 1.0/1.1 name, or undefined when there is none. */
function mapName(root: string, f: string[]): string | undefined {
  const tail = (from: number) => f.slice(from).map((x) => `.${x}`).join('');
  switch (root) {
    case 'agent':
      return f[0] === 'url' && f.length === 1 ? '.env.agentURL' : undefined;
    case 'group':
      return `.boot.md${tail(0)}`;
    case 'env':
      return `.env.md${tail(0)}`;
    case 'host':
      switch (f[0]) {
        case undefined:
        case 'uuid':
        case 'domain':
        case 'hostname':
          return undefined; // discovered by iPXE at boot time: Corral's data has no such field
        case 'name':
          return `.host${tail(0)}`;
        case 'mac':
          return `.interface.mac${tail(1)}`;
        case 'selectors':
          return f[1] === 'mac' ? `.interface.mac${tail(2)}` : undefined;
        case 'subnet':
          return f[1] === 'address' ? `.interface.subnet.network${tail(2)}` : `.interface.subnet${tail(1)}`;
        case 'configUrl':
          return `.boot.configURL${tail(1)}`;
        default:
          return `.host.md${tail(0)}`;
      }
  }
  return undefined;
}

/** 1-based line and column of `offset` in `text`. */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, col: offset - lineStart + 1 };
}
