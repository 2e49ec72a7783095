// A simulated IPMI BMC for the driver tests, built from Corral's own lab parts: OpenIPMI's
// ipmi_sim (src/lab/ipmi.ts) whose chassis program relays to a control server (src/lab/control.ts)
// running in THIS process. Because ipmi_sim calls back into this process for every chassis
// command, everything that queries it here is asynchronous: a synchronous ipmitool run would
// block the event loop that has to answer ipmi_sim, and both would wait until ipmitool gives up.
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createIpmiDriver } from '../../src/bmc/ipmi.js';
import type { BmcTarget } from '../../src/bmc/types.js';
import { startControl } from '../../src/lab/control.js';
import { startIpmiBmc } from '../../src/lab/ipmi.js';
import type { LabMachine } from '../../src/lab/machine.js';

export interface SimBmcOptions {
  /** The machine ipmi_sim's chassis program drives (a key of `machines`). */
  machine: string;
  /** Read on every chassis command, so a test may swap in a fresh machine between cases. */
  machines: Map<string, LabMachine>;
  /** Folder for the control socket and ipmi_sim's files. */
  dir: string;
  username: string;
  password: string;
  /** UDP port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** How long ipmi_sim may take to answer its first power status (default 15 s). */
  readyMs?: number;
}

export interface SimBmc {
  port: number;
  proc: ChildProcess;
  /** Every chassis command the control server relayed, as "op args". */
  relayed: string[];
  /** ipmi_sim's own log (for failure messages). */
  simLog(): string;
  close(): Promise<void>;
}

/** A UDP port on 127.0.0.1 that was free a moment ago (the preferred one if it is). */
export async function freeUdpPort(preferred = 0): Promise<number> {
  const tryBind = (p: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => (s.close(), resolve(undefined)));
      s.bind(p, '127.0.0.1', () => {
        const got = s.address().port;
        s.close(() => resolve(got));
      });
    });
  const got = (await tryBind(preferred)) ?? (await tryBind(0));
  if (got === undefined) throw new Error('no free UDP port on 127.0.0.1');
  return got;
}

/**
 * Polls `check` (at once, then every `intervalMs`) until it returns true; rejects naming `what`
 * after `ms`, or at once with whatever `check` throws (a check throws only for what no amount of
 * waiting mends). Every wait in these tests is one of these or an awaited event with a deadline.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, what: string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves once `p` has exited; SIGKILL if SIGTERM was not enough within `ms`. */
export function stopProcess(p: ChildProcess, ms = 5000): Promise<void> {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => p.kill('SIGKILL'), ms);
    p.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}

/** Starts the control server and ipmi_sim, and returns once real ipmitool gets a power status. */
export async function startSimBmc(o: SimBmcOptions): Promise<SimBmc> {
  const relayed: string[] = [];
  const controlSocket = join(o.dir, 'control.sock');
  const server = await startControl(controlSocket, {
    machines: o.machines,
    consoleOf: (n) => join(o.dir, `${n}.console.log`),
    log: (msg, f) => {
      if (msg === 'ipmi chassis') relayed.push(`${String(f?.op)} ${((f?.args as string[] | undefined) ?? []).join(' ')}`.trim());
    },
  });
  const port = o.port ?? (await freeUdpPort());
  const simDir = join(o.dir, `ipmi-${o.machine}`);
  const proc = startIpmiBmc({ machine: o.machine, port, username: o.username, password: o.password, dir: simDir, controlSocket });
  const simLog = () => {
    const f = join(simDir, 'ipmi_sim.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  };
  const bmc: SimBmc = {
    port,
    proc,
    relayed,
    simLog,
    async close() {
      await stopProcess(proc);
      await closeServer(server);
    },
  };
  let spawnError: Error | undefined;
  proc.once('error', (e) => (spawnError = e));
  // A short session timeout: each try fails fast while ipmi_sim is still binding its port.
  const probe = createIpmiDriver({ sessionTimeoutSec: 1, sessionRetries: 1 });
  const target: BmcTarget = { hostId: o.machine, address: '127.0.0.1', port, username: o.username, password: o.password, cipherSuite: 3, firmware: 'bios' };
  let lastProbe = '';
  try {
    await waitUntil(
      async () => {
        if (spawnError) throw new Error(`ipmi_sim did not start: ${spawnError.message}`);
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`ipmi_sim exited (${proc.signalCode ?? proc.exitCode}): ${simLog()}`);
        try {
          await probe.powerStatus(target);
          return true;
        } catch (e) {
          lastProbe = (e as Error).message;
          return false;
        }
      },
      o.readyMs ?? 15_000,
      `ipmi_sim on 127.0.0.1:${port} to answer a power status`,
      100,
    );
  } catch (e) {
    await bmc.close();
    throw new Error(`${(e as Error).message}${lastProbe ? ` (last try: ${lastProbe})` : ''}`);
  }
  return bmc;
}
