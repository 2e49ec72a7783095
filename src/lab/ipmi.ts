// A lab machine's IPMI BMC: OpenIPMI's ipmi_sim serving IPMI 2.0 LAN (RMCP+) on the lab's
// 127.0.0.1, with a chassis_control program that forwards chassis power and boot-device
// commands to the lab daemon (which owns the VM). ipmi_sim runs the program as
//   <prog> get power boot           -> prints "power:0|1" and "boot:pxe|default"
//   <prog> set power 1 | reset 1 | shutdown 1 | boot pxe | identify ...
// (OpenIPMI lanserv's chassis_control contract), so real `ipmitool chassis power on` and
// `chassis bootdev pxe` drive the VM.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabMachine } from './machine.js';

export interface IpmiBmcSpec {
  machine: string;
  port: number;
  username: string;
  password: string;
  /** Folder for lan.conf, sim.emu, state and the log. */
  dir: string;
  /** The lab daemon's control socket the chassis program talks to. */
  controlSocket: string;
}

/** ipmi_sim's config: one BMC at IPMB 0x20, LAN on 127.0.0.1:port, one admin user. */
function lanConf(s: IpmiBmcSpec, chassisProg: string): string {
  const auths = 'none md2 md5 straight';
  return [
    `name "${s.machine}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr 127.0.0.1 ${s.port}`,
    '    priv_limit admin',
    `    allowed_auths_callback ${auths}`,
    `    allowed_auths_user ${auths}`,
    `    allowed_auths_operator ${auths}`,
    `    allowed_auths_admin ${auths}`,
    '    guid a123456789abcdefa123456789abcdef',
    '  endlan',
    `  chassis_control "${chassisProg}"`,
    `  user 2 true "${s.username}" "${s.password}" admin 10 ${auths}`,
    '',
  ].join('\n');
}

/** The emulated management controller: device id, IPMI 2.0, chassis device support. */
const SIM_EMU = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
`;

/** The chassis program: a shell relay to the daemon's control socket (curl over a unix socket). */
function chassisScript(s: IpmiBmcSpec): string {
  return `#!/bin/sh
# ipmi_sim chassis_control for lab machine ${s.machine}: relays to the corral lab daemon.
out=$(curl -sS --max-time 20 --unix-socket '${s.controlSocket}' -X POST "http://lab/chassis/${s.machine}" --data-urlencode "op=$1" --data-urlencode "args=$(shift; echo "$*")") || exit 1
case "$out" in error*) echo "$out" >&2; exit 1 ;; esac
[ -n "$out" ] && printf '%s\\n' "$out"
exit 0
`;
}

export function startIpmiBmc(s: IpmiBmcSpec): ChildProcess {
  mkdirSync(join(s.dir, 'state'), { recursive: true });
  const prog = join(s.dir, 'chassis.sh');
  writeFileSync(prog, chassisScript(s));
  chmodSync(prog, 0o755);
  writeFileSync(join(s.dir, 'lan.conf'), lanConf(s, prog), { mode: 0o600 });
  writeFileSync(join(s.dir, 'sim.emu'), SIM_EMU);
  rmSync(join(s.dir, 'state', s.machine), { recursive: true, force: true });
  const log = openSync(join(s.dir, 'ipmi_sim.log'), 'a');
  // -n: no console on stdin (runs detached from a terminal).
  const p = spawn('ipmi_sim', ['-n', '-c', join(s.dir, 'lan.conf'), '-f', join(s.dir, 'sim.emu'), '-s', join(s.dir, 'state')], { stdio: ['ignore', log, log] });
  closeSync(log);
  return p;
}

/**
 * One chassis_control call. `args` is ipmi_sim's argument list after the operation; values may
 * arrive quoted ("1"). Returns the lines to print, or throws for an unknown parameter.
 */
export async function chassisControl(m: LabMachine, op: string, args: string[]): Promise<string> {
  const clean = args.map((a) => a.replace(/"/g, ''));
  if (op === 'get') {
    return clean
      .map((p) => {
        if (p === 'power') return `power:${m.powerState() === 'On' ? 1 : 0}`;
        if (p === 'boot') return `boot:${m.bootOverride()?.device === 'pxe' ? 'pxe' : 'default'}`;
        throw new Error(`invalid parameter ${p}`);
      })
      .join('\n');
  }
  if (op === 'set') {
    for (let i = 0; i + 1 < clean.length; i += 2) {
      const [p, v] = [clean[i]!, clean[i + 1]!];
      if (p === 'power') await (v === '1' ? m.powerOn() : m.powerOff());
      else if (p === 'reset') await m.reset();
      else if (p === 'shutdown') await m.shutdown();
      // IPMI "Set System Boot Options" without the persistent bit applies to the next boot only.
      else if (p === 'boot') m.setBootOverride(v === 'pxe' ? { device: 'pxe', once: true } : v === 'default' || v === 'none' ? undefined : { device: 'disk', once: true });
      else if (p === 'identify') continue;
      else throw new Error(`invalid parameter ${p}`);
    }
    return '';
  }
  if (op === 'check') throw new Error('check not supported');
  throw new Error(`unknown operation ${op}`);
}
