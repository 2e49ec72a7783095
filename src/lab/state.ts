// Where a lab keeps its files, and its status file (the daemon's phase, read by `corral lab up`
// and `corral lab status`). Status writes are atomic (rename) so readers never see half a file.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabStatus {
  phase: 'starting' | 'ready' | 'failed' | 'stopped';
  message: string;
  pid: number;
}

export function labPaths(dir: string) {
  return {
    spec: join(dir, 'lab.json'),
    status: join(dir, 'status.json'),
    supervisor: join(dir, 'supervisor.pid'),
    log: join(dir, 'lab.log'),
    sot: join(dir, 'sot'),
    data: join(dir, 'data'),
    files: join(dir, 'files'),
    console: join(dir, 'console'),
    machines: join(dir, 'machines'),
    control: join(dir, 'control.sock'),
    apiSocket: join(dir, 'api.sock'),
    corralLog: join(dir, 'corral.log'),
    bmcPassword: join(dir, 'bmc.pass'),
  };
}

export function writeStatus(dir: string, s: LabStatus): void {
  const f = join(dir, 'status.json');
  writeFileSync(`${f}.tmp`, JSON.stringify(s));
  renameSync(`${f}.tmp`, f);
}

export function readStatus(dir: string): LabStatus | undefined {
  const f = join(dir, 'status.json');
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as LabStatus;
  } catch {
    return undefined;
  }
}
