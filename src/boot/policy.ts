// What a known host that network-boots is served (pure). Whether it starts provisioning is not
// decided here: the orchestrator's one decision answers (networkBooted: boot, wait or exit;
// docs/lifecycle.md, "A machine that network-boots"). This maps that answer to a script kind and
// bounds the waiting: a host held by a rollout limit is told to sleep and ask again (its
// console says why), at most WAIT_ROUNDS times, then it boots its next device.
import type { BootAnswer } from '../lifecycle/orchestrator.js';

/** Seconds between two asks of a waiting host: a rollout slot frees in minutes, not seconds. */
export const WAIT_SECONDS = 30;
/** Asks before a waiting host gives up and boots on (10 min); the orchestrator still starts it later, through its BMC. */
export const WAIT_ROUNDS = 20;

export type ScriptDecision =
  | { kind: 'boot' }
  /** `round`: the number of this wait (1-based), carried by the URL the script asks again at. */
  | { kind: 'wait'; reason: string; seconds: number; round: number }
  | { kind: 'exit'; reason: string };

/** `round`: how many times the host already waited (the `wait` query of the script URL it fetched). */
export function decideScript(answer: BootAnswer, round: number): ScriptDecision {
  if (answer.kind === 'boot') return { kind: 'boot' };
  if (answer.kind === 'exit') return { kind: 'exit', reason: answer.reason };
  if (round >= WAIT_ROUNDS) {
    return { kind: 'exit', reason: `still waiting after ${(WAIT_ROUNDS * WAIT_SECONDS) / 60} min (${answer.reason}); Corral starts it when the limits allow` };
  }
  return { kind: 'wait', reason: answer.reason, seconds: WAIT_SECONDS, round: round + 1 };
}

/** The wait round a script URL carries (`?wait=N`); anything else is a first ask. */
export function waitRound(query: string | null): number {
  const n = query === null ? 0 : Number.parseInt(query, 10);
  return Number.isInteger(n) && n > 0 ? Math.min(n, WAIT_ROUNDS) : 0;
}

/**
 * Text for an iPXE `echo`: one line, no `$` (iPXE expands `${...}`), bounded. Reasons carry
 * error texts (a BMC's, say) that must not become script lines.
 */
export function scriptText(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f$]/g, ' ').slice(0, 300);
}

/**
 * Sleeps, then fetches the same script again with the next round. `sleep` is an optional iPXE
 * command (SLEEP_CMD): a build without it waits at a prompt with a timeout instead.
 * `chain --replace` keeps the rounds from nesting images; a failed fetch boots the next device.
 */
export function renderWaitScript(name: string, d: Extract<ScriptDecision, { kind: 'wait' }>, scriptUrl: string): string {
  const s = d.seconds;
  return [
    '#!ipxe',
    `echo Corral: ${scriptText(name)}: waiting: ${scriptText(d.reason)}; asking again in ${s} s (${d.round}/${WAIT_ROUNDS})`,
    `sleep ${s} || prompt --timeout ${s * 1000} Press a key to ask now || echo asking again`,
    `chain --replace ${scriptUrl}?wait=${d.round} || exit 1`,
    '',
  ].join('\n');
}
