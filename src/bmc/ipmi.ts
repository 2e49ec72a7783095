// IPMI driver: Debian's `ipmitool -I lanplus` as a subprocess (npm has no RMCP+ client). The
// password travels only in the child's environment (IPMI_PASSWORD, read because of -E), never in
// argv (visible in ps) or logs. -v is always on: it is how a wrong password is told apart from a
// silent BMC (ipmi-errors.ts). Timeouts: ipmitool's own -N/-R, plus a hard kill as a backstop.

import { execFile } from 'node:child_process';
import { ApplianceError } from '../model/index.js';
import { classifyIpmiFailure, type ExecOutcome } from './ipmi-errors.js';
import type { BmcTarget, PowerAction, PowerController, PowerStatus } from './types.js';

export type IpmiExec = (file: string, args: string[], opts: { env: Record<string, string>; timeoutMs: number }) => Promise<ExecOutcome>;

export interface IpmiOptions {
  /** Path of ipmitool (default: "ipmitool" from PATH). */
  binary?: string;
  /** Replaces the subprocess (unit tests). */
  exec?: IpmiExec;
  /** ipmitool -N: seconds before a datagram is resent (default 2). */
  sessionTimeoutSec?: number;
  /** ipmitool -R: resends (default 1; 0 would mean ipmitool's own default, 20 s of trying). */
  sessionRetries?: number;
  /** ipmitool -N for power actions (default 6): some BMCs answer only once the action is done. */
  actionTimeoutSec?: number;
}

export const IPMI_DEFAULT_PORT = 623;

const POWER_ARGS: Record<Exclude<PowerAction, 'cycle'>, string> = { on: 'on', off: 'off', soft: 'soft', reset: 'reset' };

export function createIpmiDriver(opts: IpmiOptions = {}): PowerController {
  const binary = opts.binary ?? 'ipmitool';
  const exec = opts.exec ?? execIpmitool;
  const quickN = Math.max(1, Math.round(opts.sessionTimeoutSec ?? 2));
  const actionN = Math.max(quickN, Math.round(opts.actionTimeoutSec ?? 6));
  const r = Math.max(1, Math.round(opts.sessionRetries ?? 1));
  // ipmitool lengthens its wait on each resend (measured on a closed port: -N 1 -R 1 = 2 s,
  // -N 1 -R 2 = 6 s); allow the triangular sum plus slack for the command before killing it.
  const hardLimitMs = (n: number) => (n * ((r + 1) * (r + 2)) / 2) * 1000 + 3000;

  const run = async (t: BmcTarget, cmd: string[], what: string, n = quickN): Promise<string> => {
    const out = await exec(binary, argvFor(t, cmd, n, r), { env: childEnv(t), timeoutMs: hardLimitMs(n) });
    if (out.exitCode === 0 && !out.timedOut && !out.spawnError) return out.stdout;
    throw classifyIpmiFailure(out, what, where(t));
  };

  const powerStatus = async (t: BmcTarget): Promise<PowerStatus> => {
    const stdout = await run(t, ['chassis', 'power', 'status'], 'power status');
    const m = /Chassis Power is (on|off)/i.exec(stdout);
    if (!m?.[1]) throw new ApplianceError('BMC_UNSUPPORTED', `power status on BMC ${where(t)}: unexpected answer "${stdout.trim()}"`, { retryable: false });
    return m[1].toLowerCase() as PowerStatus;
  };

  return {
    powerStatus,
    async power(t, action) {
      // A quick status first: an unreachable BMC or a wrong password fails within the short
      // timeout, and the action itself can then wait long (ipmi_sim, like some BMCs, answers a
      // power command only once it is carried out; a resend at -N 2 repeated the command).
      const now = await powerStatus(t);
      // IPMI's power cycle does nothing to a chassis that is off (ipmi_sim and many real BMCs
      // answer OK and leave it off), yet "cycle" means "end up freshly booted": power it on.
      const verb = action === 'cycle' ? (now === 'off' ? 'on' : 'cycle') : POWER_ARGS[action];
      await run(t, ['chassis', 'power', verb], `power ${action}`, actionN);
    },
    async bootPxeOnce(t) {
      // Without efiboot a UEFI machine is told "legacy PXE" and many ignore the request.
      const cmd = ['chassis', 'bootdev', 'pxe', ...(t.firmware === 'uefi' ? ['options=efiboot'] : [])];
      await run(t, cmd, 'boot device pxe');
    },
    async facts(t) {
      const facts = parseColonList(await run(t, ['mc', 'info'], 'mc info'), MC_FACTS);
      // FRU data is optional (ipmi_sim has none): its absence is not an error.
      try {
        Object.assign(facts, parseColonList(await run(t, ['fru', 'print', '0'], 'fru print'), FRU_FACTS));
      } catch {
        /* best effort */
      }
      return facts;
    },
  };
}

/** ipmitool's argv for a command. Holds everything but the password (that is in the env). */
export function argvFor(t: BmcTarget, cmd: string[], timeoutSec: number, retries: number): string[] {
  const args = ['-I', 'lanplus', '-H', t.address, '-p', String(t.port ?? IPMI_DEFAULT_PORT)];
  if (t.username !== undefined) args.push('-U', t.username);
  args.push('-E');
  if (t.cipherSuite !== undefined) args.push('-C', String(t.cipherSuite));
  args.push('-N', String(timeoutSec), '-R', String(retries), '-v', ...cmd);
  return args;
}

/** A minimal environment: C locale for stable messages, and the password. Nothing else leaks in. */
export function childEnv(t: BmcTarget): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C', IPMI_PASSWORD: t.password ?? '' };
}

function where(t: BmcTarget): string {
  return `${t.address}:${t.port ?? IPMI_DEFAULT_PORT}`;
}

const MC_FACTS: Record<string, string> = {
  'Manufacturer Name': 'manufacturer',
  'Manufacturer ID': 'manufacturerId',
  'Product ID': 'productId',
  'Firmware Revision': 'firmwareRevision',
  'IPMI Version': 'ipmiVersion',
};
const FRU_FACTS: Record<string, string> = {
  'Product Manufacturer': 'productManufacturer',
  'Product Name': 'productName',
  'Product Serial': 'serialNumber',
  'Board Serial': 'boardSerial',
};

/** "Key   : value" lines (mc info, fru print), keeping only the keys asked for. */
export function parseColonList(text: string, keys: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^:]+?)\s*:\s*(.+?)\s*$/.exec(line);
    const name = m?.[1] !== undefined ? keys[m[1]] : undefined;
    if (name && m?.[2]) out[name] = m[2];
  }
  return out;
}

/** The real subprocess: no shell, stdin closed (so a missing password cannot hang on a prompt). */
export const execIpmitool: IpmiExec = (file, args, { env, timeoutMs }) =>
  new Promise((resolve) => {
    const child = execFile(file, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ exitCode: 0, stdout, stderr, timedOut: false });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
      if (e.code === 'ENOENT' || e.code === 'EACCES') return resolve({ exitCode: null, stdout, stderr, timedOut: false, spawnError: `${e.code} ${file}` });
      resolve({ exitCode: typeof e.code === 'number' ? e.code : null, stdout, stderr, timedOut: e.killed === true && e.signal === 'SIGKILL' });
    });
    child.stdin?.end();
  });
