// Starts a worker thread from a module next to the caller: the compiled .js directly, or, when
// Corral runs from its TypeScript sources under tsx (development, tests), through tsx's loader.
// tsx's hooks are not inherited by worker threads (Node 20: a .ts worker fails with "Unknown file
// extension"), so the worker first imports tsx's API and loads the .ts module with it.
import { Worker, type WorkerOptions } from 'node:worker_threads';

// Resolved once, at start-up: under tsx, import.meta.resolve waits synchronously for the loader
// hooks thread, which must not happen while the services run.
const TSX_API = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : undefined;

export function startWorker(callerUrl: string, name: string, opts: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), opts);
  const url = new URL(`./${name}.ts`, callerUrl).href;
  const api = TSX_API ?? import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`;
  return new Worker(code, { ...opts, eval: true });
}
