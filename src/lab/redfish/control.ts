// The ComputerSystem's writable parts mapped onto the LabMachine: the Boot override (PATCH) and
// ComputerSystem.Reset. Validation is pure (plan*), the machine is touched only by apply*/runReset.

import type { LabBootOverride, LabMachine } from '../machine.js';
import { message, pointer, type Json } from './messages.js';
import { BOOT_ENABLED, BOOT_TARGETS, RESET_TYPES, type BootEnabled, type BootTarget, type BootView, type ResetType } from './resources.js';

/**
 * Optional facts a LabMachine implementation may also carry; the LabMachine interface does not
 * have them, so the BMC reads them only when present.
 */
export interface LabMachineExtras {
  /** vCPU count, for ComputerSystem.ProcessorSummary.Count. */
  readonly cpus?: number;
}

/**
 * The Boot properties as Redfish shows them. The machine holds only an active override; the target
 * last written is remembered here so a Disabled (or consumed) override still reads back its
 * target, as BMCs do, and a later PATCH of BootSourceOverrideEnabled alone re-arms it.
 */
export function bootView(m: LabMachine, remembered: BootTarget): BootView {
  const mode = m.firmware === 'uefi' ? 'UEFI' : 'Legacy';
  const o = m.bootOverride();
  if (!o) return { enabled: 'Disabled', target: remembered, mode };
  return { enabled: o.once ? 'Once' : 'Continuous', target: o.device === 'pxe' ? 'Pxe' : 'Hdd', mode };
}

/** Disabled, or a target of None ("boot normally"), means no override on the machine. */
export function overrideFor(enabled: BootEnabled, target: BootTarget): LabBootOverride | undefined {
  if (enabled === 'Disabled' || target === 'None') return undefined;
  return { device: target === 'Pxe' ? 'pxe' : 'disk', once: enabled === 'Once' };
}

export type Plan<T> = { ok: true; value: T; ignored: Json[] } | { ok: false; messages: Json[] };

const BOOT_WRITABLE = ['BootSourceOverrideEnabled', 'BootSourceOverrideTarget', 'BootSourceOverrideMode'];

/**
 * Validates a PATCH of the ComputerSystem. DSP0266 "PATCH (update)": a bad value for a writable
 * property fails the whole request (400, nothing changed); read-only or unknown properties are
 * reported, and fail the request only when nothing updatable is left; otherwise the rest is applied
 * and the skipped ones are returned as message annotations. Payload annotations (keys with '@')
 * are ignored.
 */
export function planSystemPatch(patch: Json, current: Json, boot: BootView): Plan<{ enabled: BootEnabled; target: BootTarget }> {
  const errors: Json[] = [];
  const ignored: Json[] = [];
  let writable = 0;
  let { enabled, target } = boot;
  for (const [key, value] of Object.entries(patch)) {
    if (key.includes('@')) continue;
    if (key !== 'Boot') {
      const k = Object.hasOwn(current, key) ? 'PropertyNotWritable' : 'PropertyUnknown';
      ignored.push(message(k, [key], [pointer(key)]));
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      errors.push(message('PropertyValueTypeError', [JSON.stringify(value) ?? 'undefined', 'Boot'], [pointer('Boot')]));
      continue;
    }
    for (const [sub, v] of Object.entries(value as Json)) {
      if (sub.includes('@')) continue;
      const at = pointer('Boot', sub);
      if (!BOOT_WRITABLE.includes(sub)) {
        const known = Object.hasOwn((current.Boot as Json | undefined) ?? {}, sub);
        ignored.push(message(known ? 'PropertyNotWritable' : 'PropertyUnknown', [sub], [at]));
        continue;
      }
      if (typeof v !== 'string') {
        errors.push(message('PropertyValueTypeError', [JSON.stringify(v) ?? 'undefined', sub], [at]));
        continue;
      }
      const allowed: readonly string[] = sub === 'BootSourceOverrideEnabled' ? BOOT_ENABLED : sub === 'BootSourceOverrideTarget' ? BOOT_TARGETS : [boot.mode];
      if (!allowed.includes(v)) {
        errors.push(message('PropertyValueNotInList', [v, sub], [at]));
        continue;
      }
      writable++;
      if (sub === 'BootSourceOverrideEnabled') enabled = v as BootEnabled;
      if (sub === 'BootSourceOverrideTarget') target = v as BootTarget;
    }
  }
  if (errors.length) return { ok: false, messages: [...errors, ...ignored] };
  if (writable === 0) return { ok: false, messages: ignored.length ? ignored : [message('EmptyJSON')] };
  return { ok: true, value: { enabled, target }, ignored };
}

const RESET_ACTION = 'ComputerSystem.Reset';

/** Validates the ComputerSystem.Reset request body (DSP0266 "POST (action)"). */
export function planReset(body: Json): Plan<ResetType> {
  const unknown = Object.keys(body).filter((k) => k !== 'ResetType' && !k.includes('@'));
  if (unknown.length) return { ok: false, messages: unknown.map((k) => message('ActionParameterUnknown', [RESET_ACTION, k])) };
  const t = body.ResetType;
  if (t === undefined) return { ok: false, messages: [message('ActionParameterMissing', [RESET_ACTION, 'ResetType'])] };
  if (typeof t !== 'string') return { ok: false, messages: [message('ActionParameterValueTypeError', [JSON.stringify(t), 'ResetType', RESET_ACTION])] };
  if (!(RESET_TYPES as readonly string[]).includes(t)) return { ok: false, messages: [message('ActionParameterValueNotInList', [t, 'ResetType', RESET_ACTION])] };
  return { ok: true, value: t as ResetType, ignored: [] };
}

/**
 * Carries out a ResetType (semantics from the Resource.ResetType enumeration in DSP8010): On and
 * ForceOn power up; ForceOff pulls the plug; GracefulShutdown presses the ACPI button of a running
 * machine; ForceRestart resets; PowerCycle resets a running machine and powers up one that is off;
 * PushPowerButton acts like the physical button (ACPI shutdown when on, power up when off).
 */
export async function runReset(m: LabMachine, t: ResetType): Promise<void> {
  const on = m.powerState() === 'On';
  switch (t) {
    case 'On':
    case 'ForceOn':
      return m.powerOn();
    case 'ForceOff':
      return m.powerOff();
    case 'GracefulShutdown':
      return on ? m.shutdown() : undefined;
    case 'ForceRestart':
      return m.reset();
    case 'PowerCycle':
      return on ? m.reset() : m.powerOn();
    case 'PushPowerButton':
      return on ? m.shutdown() : m.powerOn();
  }
}
