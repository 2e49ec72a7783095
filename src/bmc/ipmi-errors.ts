// Turns a failed ipmitool run into a typed error. ipmitool prints the same last line
// ("Error: Unable to establish IPMI v2 / RMCP+ session") for a wrong password and for a BMC that
// never answers; only with -v does it say why, so the driver always passes -v and we classify
// on those lines. The messages were observed with ipmitool 1.8.19 against ipmi_sim 2.0.33.

import { ApplianceError, type ErrorCode } from '../model/index.js';

export interface ExecOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Killed by our own time limit. */
  timedOut: boolean;
  /** The binary could not be started (ENOENT, EACCES). */
  spawnError?: string;
}

interface Rule {
  re: RegExp;
  code: ErrorCode;
  retryable: boolean;
  hint?: string;
}

// First match wins: specific session-setup messages before generic command failures.
export const IPMI_ERROR_RULES: readonly Rule[] = [
  { re: /RAKP 2 HMAC is invalid|RAKP 4 message has invalid integrity check/i, code: 'BMC_AUTH_FAILED', retryable: false, hint: 'wrong password' },
  { re: /unauthorized name|Invalid user name/i, code: 'BMC_AUTH_FAILED', retryable: false, hint: 'unknown user' },
  { re: /unauthorized role or privilege|invalid role|Insufficient privilege/i, code: 'BMC_AUTH_FAILED', retryable: false, hint: 'user lacks the privilege (needs operator or admin)' },
  { re: /Unable to read password|Authentication type .* not supported/i, code: 'BMC_AUTH_FAILED', retryable: false },
  {
    re: /no Cipher Suite match|invalid (authentication|integrity|confidentiality) algorithm|Unsupported cipher suite/i,
    code: 'BMC_UNSUPPORTED',
    retryable: false,
    hint: 'the BMC does not offer this cipher suite: set bmc.cipher_suite (e.g. 3)',
  },
  { re: /insufficient resources for session|Node busy|Out of space/i, code: 'BMC_UNREACHABLE', retryable: true, hint: 'BMC busy' },
  {
    // No session was ever set up, so nothing reached the BMC: always safe to retry.
    re: /Get Auth Capabilities error|Address lookup for .* failed|Could not open socket|Unable to establish LAN session/i,
    code: 'BMC_UNREACHABLE',
    retryable: true,
  },
  {
    // The session worked but the command's answer never came: it may have been carried out, so
    // the registry repeats it only when that is harmless (not cycle/reset).
    re: /No response from remote controller|Error setting Chassis|Unable to set Chassis/i,
    code: 'BMC_TIMEOUT',
    retryable: true,
  },
  { re: /failed: .*(Invalid command|not supported|Invalid data field|Parameter not supported)/i, code: 'BMC_UNSUPPORTED', retryable: false },
];

// Printed by every -v run (OEM capability probes ipmi_sim and many BMCs reject): not errors.
const NOISE = /^(Loading IANA PEN Registry|Running Get VSO Capabilities|Invalid completion code received|Discovered IPMB address|Get HPM\.x Capabilities|IPMI Request Match NOT FOUND)/;

/** The stderr lines that mean something, without -v chatter. */
export function meaningfulStderr(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/^>\s*/, '').trim())
    .filter((l) => l !== '' && !NOISE.test(l));
}

/** Typed error for a run that did not succeed; `what` names the operation for the message. */
export function classifyIpmiFailure(out: ExecOutcome, what: string, where: string): ApplianceError {
  if (out.spawnError) {
    return new ApplianceError('BMC_UNSUPPORTED', `cannot run ipmitool (${out.spawnError}): apt-get install ipmitool`, { retryable: false });
  }
  if (out.timedOut) {
    return new ApplianceError('BMC_TIMEOUT', `${what} on BMC ${where}: ipmitool gave no answer in time`, { retryable: true });
  }
  const lines = meaningfulStderr(out.stderr);
  const text = lines.join('\n');
  const rule = IPMI_ERROR_RULES.find((r) => r.re.test(text));
  const detail = lines.find((l) => rule?.re.test(l)) ?? lines[lines.length - 1] ?? `exit code ${out.exitCode}`;
  const code: ErrorCode = rule?.code ?? 'BMC_UNREACHABLE';
  const hint = rule?.hint ? ` (${rule.hint})` : '';
  // Unrecognised failures are not retried: repeating an unknown error only delays the report.
  return new ApplianceError(code, `${what} on BMC ${where} failed: ${detail}${hint}`, { retryable: rule?.retryable ?? false, ipmitool: lines.slice(-3) });
}
