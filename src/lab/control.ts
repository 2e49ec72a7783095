// The lab daemon's control socket (a unix socket in the lab folder, reachable from the host and
// from inside the namespace alike): the IPMI chassis programs relay through it, and `corral lab
// status`, the tests and the benches read and drive the machines through it.
//   GET  /machines                       every machine: power, boot override, console file
//   POST /machines/{name}/power          body on|off|reset|shutdown
//   POST /machines/{name}/boot           body pxe|disk|none (once)
//   POST /chassis/{name}                 form op=...&args=... (ipmi_sim chassis_control relay)
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { chassisControl } from './ipmi.js';
import type { LabMachine } from './machine.js';

export interface ControlInfo {
  machines: Map<string, LabMachine>;
  consoleOf(name: string): string;
  log(msg: string, fields?: Record<string, unknown>): void;
}

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) {
    s += c;
    if (s.length > 4096) throw new Error('body too large');
  }
  return s;
}

export function startControl(path: string, info: ControlInfo): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer(async (req, res) => {
    const send = (code: number, text: string, type = 'text/plain') => {
      res.writeHead(code, { 'content-type': type });
      res.end(text);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://lab');
      const parts = url.pathname.split('/').filter(Boolean);
      if (req.method === 'GET' && url.pathname === '/machines') {
        const list = [...info.machines.values()].map((m) => ({ name: m.name, mac: m.mac, firmware: m.firmware, power: m.powerState(), boot_override: m.bootOverride() ?? null, console: info.consoleOf(m.name) }));
        return send(200, JSON.stringify(list), 'application/json');
      }
      const m = parts[1] ? info.machines.get(parts[1]) : undefined;
      if (req.method !== 'POST' || !m) return send(404, 'error: no such machine or route');
      const text = (await body(req)).trim();
      if (parts[0] === 'chassis') {
        const form = new URLSearchParams(text);
        const args = (form.get('args') ?? '').split(/\s+/).filter(Boolean);
        info.log('ipmi chassis', { machine: m.name, op: form.get('op'), args });
        return send(200, await chassisControl(m, form.get('op') ?? '', args));
      }
      if (parts[0] === 'machines' && parts[2] === 'power') {
        const ops: Record<string, () => Promise<void>> = { on: () => m.powerOn(), off: () => m.powerOff(), reset: () => m.reset(), shutdown: () => m.shutdown() };
        const op = ops[text];
        if (!op) return send(400, 'error: power on|off|reset|shutdown');
        await op();
        return send(200, m.powerState());
      }
      if (parts[0] === 'machines' && parts[2] === 'boot') {
        if (text === 'none') m.setBootOverride(undefined);
        else if (text === 'pxe' || text === 'disk') m.setBootOverride({ device: text, once: true });
        else return send(400, 'error: boot pxe|disk|none');
        return send(200, text);
      }
      return send(404, 'error: no such route');
    } catch (e) {
      send(500, `error: ${(e as Error).message}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}
