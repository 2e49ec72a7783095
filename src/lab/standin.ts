// The lab's baseline server (for benches): what a site could run instead of Corral.
// Placeholder until the stand-in lands: refuses clearly.
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { LabSpec } from './spec.js';
import type { labPaths } from './state.js';

export interface Standin {
  children: ChildProcess[];
  servers: Server[];
}

export async function startStandin(_spec: LabSpec, _paths: ReturnType<typeof labPaths>, _log: (m: string, f?: Record<string, unknown>) => void): Promise<Standin> {
  throw new Error('the stand-in server is not built yet');
}
