// Redfish driver (DMTF DSP0266): power through ComputerSystem.Reset, one-time network boot
// through the system's Boot override, PowerState for status. BMCs differ in which ResetType
// values they offer, so each action has fallbacks chosen from the advertised AllowableValues.

import { ApplianceError } from '../model/index.js';
import { defaultTransport, type HttpTransport } from './http.js';
import { ensureOk, odataId, RedfishClient, type Json } from './redfish-client.js';
import type { BmcTarget, PowerAction, PowerController, PowerStatus } from './types.js';

export interface RedfishOptions {
  transport?: HttpTransport;
  /** Per HTTP request (default 15 s). */
  timeoutMs?: number;
  /** "http" only for tests against a plain-HTTP mock (default https). */
  scheme?: 'https' | 'http';
}

/**
 * ResetType sequences per action, best first. A plan is usable when every step is allowed.
 * `cycle` of a system that is off is planned as `on` (see power()).
 */
export const RESET_PLANS: Record<PowerAction, string[][]> = {
  on: [['On'], ['ForceOn']],
  off: [['ForceOff']],
  soft: [['GracefulShutdown'], ['PushPowerButton']],
  cycle: [['PowerCycle'], ['ForceRestart'], ['ForceOff', 'On']],
  reset: [['ForceRestart'], ['PowerCycle']],
};

const POWERED: readonly string[] = ['On', 'PoweringOff', 'Paused'];

export function createRedfishDriver(opts: RedfishOptions = {}): PowerController {
  const client = new RedfishClient({ transport: opts.transport ?? defaultTransport, timeoutMs: opts.timeoutMs ?? 15_000, scheme: opts.scheme ?? 'https' });

  const getSystem = async (t: BmcTarget): Promise<{ url: string; body: Json; etag?: string }> => {
    const url = await client.systemUrl(t);
    const reply = ensureOk(await client.call(t, 'GET', url), 'read system', t);
    const etag = reply.res.header('etag') ?? (typeof reply.body['@odata.etag'] === 'string' ? reply.body['@odata.etag'] : undefined);
    return etag ? { url, body: reply.body, etag } : { url, body: reply.body };
  };

  const allowedResetTypes = async (t: BmcTarget, action: Json): Promise<string[] | undefined> => {
    const inline = action['ResetType@Redfish.AllowableValues'];
    if (Array.isArray(inline)) return inline.map(String);
    // Some BMCs publish the allowed values in a separate ActionInfo resource instead.
    const info = typeof action['@Redfish.ActionInfo'] === 'string' ? action['@Redfish.ActionInfo'] : undefined;
    if (!info) return undefined;
    const reply = await client.call(t, 'GET', info);
    if (reply.status !== 200) return undefined;
    const params = Array.isArray(reply.body.Parameters) ? (reply.body.Parameters as Json[]) : [];
    const values = params.find((p) => p.Name === 'ResetType')?.AllowableValues;
    return Array.isArray(values) ? values.map(String) : undefined;
  };

  return {
    async powerStatus(t) {
      const { body } = await getSystem(t);
      return powerOf(body);
    },

    async power(t, action) {
      const sys = await getSystem(t);
      const reset = (sys.body.Actions as Json | undefined)?.['#ComputerSystem.Reset'] as Json | undefined;
      const target = typeof reset?.target === 'string' ? reset.target : undefined;
      if (!reset || !target) throw new ApplianceError('BMC_UNSUPPORTED', `Redfish ${t.address}: system has no ComputerSystem.Reset action`, { retryable: false });
      // "cycle" means "end up freshly booted"; many BMCs refuse PowerCycle on a system that is off.
      const effective = action === 'cycle' && powerOf(sys.body) === 'off' ? 'on' : action;
      const plan = choosePlan(RESET_PLANS[effective], await allowedResetTypes(t, reset));
      if (!plan) {
        throw new ApplianceError('BMC_UNSUPPORTED', `Redfish ${t.address}: no ResetType for "${action}" among the allowed values`, { retryable: false, action });
      }
      for (const resetType of plan) {
        ensureOk(await client.call(t, 'POST', target, { ResetType: resetType }), `reset ${resetType}`, t);
      }
    },

    async bootPxeOnce(t) {
      const want = t.bootTarget ?? 'Pxe';
      let sys = await getSystem(t);
      const boot = (sys.body.Boot as Json | undefined) ?? {};
      const allowed = boot['BootSourceOverrideTarget@Redfish.AllowableValues'];
      if (Array.isArray(allowed) && !allowed.includes(want)) {
        throw new ApplianceError('BMC_UNSUPPORTED', `Redfish ${t.address}: boot override target ${want} not offered (${allowed.join(', ')})`, { retryable: false });
      }
      const patch: Json = { BootSourceOverrideTarget: want, BootSourceOverrideEnabled: 'Once' };
      // Only sent when the BMC models it: some reject properties they do not have.
      if ('BootSourceOverrideMode' in boot) patch.BootSourceOverrideMode = t.firmware === 'uefi' ? 'UEFI' : 'Legacy';
      for (let attempt = 0; ; attempt++) {
        const reply = await client.call(t, 'PATCH', sys.url, { Boot: patch }, sys.etag ? { 'If-Match': sys.etag } : {});
        // 412: the system changed since we read its ETag; read again and resend once.
        if (reply.status === 412 && attempt === 0) {
          sys = await getSystem(t);
          continue;
        }
        ensureOk(reply, 'set boot override', t);
        return;
      }
    },

    async facts(t) {
      const { body } = await getSystem(t);
      const out: Record<string, string> = {};
      for (const [key, name] of Object.entries(SYSTEM_FACTS)) {
        const v = body[key];
        if (typeof v === 'string' && v !== '') out[name] = v;
      }
      const bios = odataId(body.Bios);
      if (bios) out.biosResource = bios;
      return out;
    },

    close: () => client.logoutAll(),
  };
}

const SYSTEM_FACTS: Record<string, string> = {
  Manufacturer: 'manufacturer',
  Model: 'model',
  SerialNumber: 'serialNumber',
  BiosVersion: 'biosVersion',
  UUID: 'uuid',
  PowerState: 'powerState',
};

function powerOf(system: Json): PowerStatus {
  const s = system.PowerState;
  if (typeof s !== 'string') throw new ApplianceError('BMC_UNSUPPORTED', 'Redfish system has no PowerState', { retryable: false });
  return POWERED.includes(s) ? 'on' : 'off';
}

/** The first plan whose steps are all allowed; with no advertised list, the first plan. */
export function choosePlan(plans: string[][], allowed: string[] | undefined): string[] | undefined {
  if (!allowed) return plans[0];
  return plans.find((p) => p.every((step) => allowed.includes(step)));
}
