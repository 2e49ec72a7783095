// Builds the operator GUI (src/gui) into dist/gui: one ES module and one stylesheet with content
// hashes in their names (served immutable), and index.html pointing at them (served no-cache).
// esbuild is a devDependency: the server only reads the result (serve.ts), it never imports this.
// Run: npm run build:gui (part of npm run build and prepare).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/dist\/?$/, '');

export interface GuiBuild {
  dir: string;
  js: string;
  css: string;
  /** Bytes of each output, for the size report. */
  sizes: Record<string, number>;
}

export async function buildGui(opts: { root?: string; outDir?: string; minify?: boolean } = {}): Promise<GuiBuild> {
  const root = opts.root ?? ROOT;
  const dir = opts.outDir ?? join(root, 'dist', 'gui');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: 'src/gui/main.tsx' },
    tsconfig: 'src/gui/tsconfig.json',
    bundle: true,
    format: 'esm',
    splitting: false,
    minify: opts.minify ?? true,
    target: ['chrome111', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: join(dir, 'assets'),
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const js = outputs.find(([f]) => f.endsWith('.js'))?.[0];
  const css = outputs.find(([f]) => f.endsWith('.css'))?.[0];
  if (!js || !css) throw new Error('GUI build produced no script or stylesheet');
  const sizes = Object.fromEntries(outputs.map(([f, o]) => [basename(f), o.bytes]));
  writeFileSync(join(dir, 'index.html'), indexHtml(basename(js), basename(css)));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ js: basename(js), css: basename(css), sizes }, null, 2));
  return { dir, js: basename(js), css: basename(css), sizes };
}

// No inline script or style: the CSP (serve.ts) forbids both.
const indexHtml = (js: string, css: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Corral</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/${css}">
<script type="module" src="/ui/assets/${js}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading Corral…</p></div>
<noscript>The Corral operator GUI needs JavaScript. The API is described at <a href="/docs">/docs</a>.</noscript>
</body>
</html>
`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const b = await buildGui();
  const total = Object.values(b.sizes).reduce((a, n) => a + n, 0);
  process.stdout.write(`GUI built in ${Math.round(performance.now() - t0)} ms: ${b.dir} (${b.js}, ${b.css}; ${(total / 1024).toFixed(1)} KiB)\n`);
}
