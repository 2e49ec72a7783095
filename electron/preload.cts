// The whole renderer <-> main surface: where the API is, and the app version. No Node access.
import { contextBridge } from 'electron';

export interface CorralBridge {
  apiBaseUrl: string;
  version: string;
}

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--corral-${name}=`))?.split('=').slice(1).join('=') ?? '';

contextBridge.exposeInMainWorld('corral', { apiBaseUrl: arg('api'), version: arg('version') } satisfies CorralBridge);
