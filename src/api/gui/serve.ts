// The operator GUI (src/gui, built into dist/gui by build.ts) served by the core: index.html at
// `/` for browsers (the HAS versions route hands them over, see has/versions.ts) and at `/ui/`,
// and its assets under `/ui/assets/`. Asset names carry a content hash, so they are cached for a
// year; index.html is never cached, so a new build is picked up on the next load.
// The page talks only to this same origin: the CSP forbids inline script and every other origin.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Request, type Response } from 'express';

export const GUI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The package root: the nearest folder above this module with a package.json (src/ under tsx, dist/src/ compiled). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** Where the built GUI lives; CORRAL_GUI_DIR overrides it (a packaged app may keep it elsewhere). */
export function guiDir(): string {
  return process.env.CORRAL_GUI_DIR ?? join(packageRoot(), 'dist', 'gui');
}

/** A browser navigating here asks for HTML; HAS and other JSON clients do not. */
export function wantsHtml(req: Pick<Request, 'headers'>): boolean {
  return /\btext\/html\b/i.test(String(req.headers.accept ?? ''));
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Corral</title></head>
<body><h1>Corral</h1><p>The operator GUI is not built. Run <code>npm run build:gui</code> (or <code>npm run build</code>) and reload.
The API works meanwhile: <a href="/docs">/docs</a>.</p></body></html>`;

let cached: { mtimeMs: number; html: string } | undefined;

function indexHtml(): string | undefined {
  const file = join(guiDir(), 'index.html');
  try {
    const st = statSync(file);
    if (cached?.mtimeMs !== st.mtimeMs) cached = { mtimeMs: st.mtimeMs, html: readFileSync(file, 'utf8') };
    return cached.html;
  } catch {
    return undefined;
  }
}

function securityHeaders(res: Response): Response {
  return res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
}

export function sendGuiIndex(res: Response): void {
  const html = indexHtml();
  securityHeaders(res).set({ 'Content-Security-Policy': GUI_CSP, 'Cache-Control': 'no-cache' });
  res.status(html ? 200 : 503).type('html').send(html ?? NOT_BUILT);
}

/** Mounts `/ui/` (index) and `/ui/assets/*` (hashed, immutable). Middleware, not routes: the OpenAPI document stays the API's. */
export function mountGui(app: Express): void {
  const assets = express.static(join(guiDir(), 'assets'), {
    index: false,
    immutable: true,
    maxAge: '365d',
    fallthrough: true,
    setHeaders: (res) => {
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
  app.use('/ui/assets', assets);
  app.use('/ui', (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && (req.path === '/' || req.path === '')) return sendGuiIndex(res);
    next();
  });
}
