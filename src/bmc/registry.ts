// The one entry point for BMC control: picks the driver by the SoT's bmc.type, runs one command
// at a time per BMC (address:port) under a global concurrency limit, times out each attempt,
// retries with exponential backoff when the BMC could not be reached (never after an auth
// failure, never a cycle/reset whose answer was lost), and logs host, BMC, operation, outcome
// and duration, never a credential.
//
// A job (job()) is several commands that belong together, such as PXE-once then power: it waits
// in the same per-BMC queue, then holds its BMC and one global slot from its first command to
// its last. Holding the slot is what makes "the job started" mean something: a job that let go
// between commands would queue its second command behind every other host's first one, and a
// clock started at its first command would run out in a storm (docs/lifecycle.md).

import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { ApplianceError, isApplianceError, type BmcType } from '../model/index.js';
import { createIpmiDriver, IPMI_DEFAULT_PORT } from './ipmi.js';
import { KeyedSerializer, Semaphore } from './limits.js';
import { createRedfishDriver } from './redfish.js';
import { createQemuDriver } from './qemu.js';
import { REDFISH_DEFAULT_PORT } from './redfish-client.js';
import { scrub, type BmcOp, type BmcOpResult, type BmcTarget, type PowerAction, type PowerController, type PowerStatus } from './types.js';

export interface BmcRegistryDeps {
  clock: Clock;
  log: Logger;
  /** Commands in flight across all BMCs (default 16). */
  maxConcurrent?: number;
  /** Per attempt; the caller gets BMC_TIMEOUT after this (default 60 s). */
  timeoutMs?: number;
  /** Extra attempts after a retryable failure (default 2). */
  retries?: number;
  /** First backoff; doubles per retry up to maxBackoffMs (defaults 1 s, 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Replace or add drivers (tests, other backends); ipmi and redfish exist by default. */
  drivers?: Partial<Record<BmcType, PowerController>>;
}

/** A host's BMC as bmcTargetFor() returns it. */
export interface BmcRef {
  type: BmcType;
  target: BmcTarget;
}

/** Runs one command inside a job: timed out and retried like run(), in the job's slot. */
export type JobRun = <O extends BmcOp>(op: O) => Promise<BmcOpResult<O>>;

export interface BmcRegistry {
  run<O extends BmcOp>(bmc: BmcRef, op: O): Promise<BmcOpResult<O>>;
  /**
   * Queues `body` as one job on the BMC: it is called once the job has its BMC and a global slot,
   * both held until it settles; its commands go through `run`. `name` is for the log.
   */
  job<T>(bmc: BmcRef, name: string, body: (run: JobRun) => Promise<T>): Promise<T>;
  powerStatus(bmc: BmcRef): Promise<PowerStatus>;
  power(bmc: BmcRef, action: PowerAction): Promise<void>;
  bootPxeOnce(bmc: BmcRef): Promise<void>;
  facts(bmc: BmcRef): Promise<Record<string, string>>;
  /** active/waiting: global slots held / awaited (by commands and jobs); jobs: jobs queued or running. */
  stats(): { active: number; waiting: number; busyBmcs: number; jobs: number };
  close(): Promise<void>;
}

const DEFAULT_PORTS: Partial<Record<BmcType, number>> = { ipmi: IPMI_DEFAULT_PORT, redfish: REDFISH_DEFAULT_PORT };

export function createBmcRegistry(deps: BmcRegistryDeps): BmcRegistry {
  const drivers: Partial<Record<BmcType, PowerController>> = { ipmi: createIpmiDriver(), redfish: createRedfishDriver(), qemu: createQemuDriver(), ...deps.drivers };
  const global = new Semaphore(deps.maxConcurrent ?? 16);
  const perBmc = new KeyedSerializer();
  const timeoutMs = deps.timeoutMs ?? 60_000;
  const retries = Math.max(0, deps.retries ?? 2);
  const backoffMs = deps.backoffMs ?? 1000;
  const maxBackoffMs = deps.maxBackoffMs ?? 30_000;
  const { clock, log } = deps;

  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

  type Attempt<O extends BmcOp> = { settled: Promise<unknown>; result: Promise<BmcOpResult<O>> };
  type Starter = <O extends BmcOp>(driver: PowerController, bmc: BmcRef, op: O) => Promise<Attempt<O>>;

  /** One attempt of a lone command: a global slot held until the driver's promise settles, even after our timeout. */
  const attempt: Starter = async (driver, bmc, op) => {
    const release = await global.acquire();
    const a = call(driver, bmc, op);
    void a.settled.then(release);
    return a;
  };

  /** Calls the driver, timed out after timeoutMs; `settled` is when the driver's promise really ends. */
  const call = <O extends BmcOp>(driver: PowerController, bmc: BmcRef, op: O): Attempt<O> => {
    const call = invoke(driver, bmc.target, op);
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new ApplianceError('BMC_TIMEOUT', `${opName(op)} on BMC ${bmcKey(bmc)}: no answer in ${timeoutMs} ms`, { retryable: true })), timeoutMs);
    });
    const result = Promise.race([call, timeout]).finally(() => timer?.cancel());
    return { settled, result };
  };

  /** The attempts of one operation. Holds its BMC (serialiser slot) until everything it started has ended. */
  const attempts = async <O extends BmcOp>(driver: PowerController, bmc: BmcRef, op: O, report: (r: { ok: BmcOpResult<O> } | { err: ApplianceError }, n: number) => void, start: Starter = attempt) => {
    for (let n = 1; ; n++) {
      const { settled, result } = await start(driver, bmc, op);
      try {
        report({ ok: await result }, n);
        return;
      } catch (e) {
        const err = asBmcError(e, bmc.target);
        if (n > retries || !shouldRetry(err, op)) {
          report({ err }, n);
          await settled; // a timed-out command still owns the BMC until it really ends
          return;
        }
        const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (n - 1));
        log.debug('bmc retry', { ...fields(bmc, op), attempt: n, error: err.code, delayMs: delay });
        await Promise.all([settled, sleep(delay)]);
      }
    }
  };

  const unsupported = (bmc: BmcRef, what: string) => {
    const e = new ApplianceError('BMC_UNSUPPORTED', `BMC type "${bmc.type}" of host "${bmc.target.hostId}" is not driven by Corral (Vaquero container BMCs are kept in the SoT only)`, { retryable: false });
    log.warn('bmc operation', { host: bmc.target.hostId, bmc: bmcKey(bmc), type: bmc.type, op: what, outcome: e.code, durationMs: 0, attempts: 0 });
    return e;
  };

  /**
   * A command's attempts: `result` settles once (and is logged), `done` once everything they
   * started has ended (a timed-out command still owns the BMC). `start` says whose slot they use.
   */
  const command = <O extends BmcOp>(driver: PowerController, bmc: BmcRef, op: O, start?: Starter): { result: Promise<BmcOpResult<O>>; done: Promise<void> } => {
    const started = clock.now();
    let resolve!: (v: BmcOpResult<O>) => void;
    let reject!: (e: ApplianceError) => void;
    const result = new Promise<BmcOpResult<O>>((res, rej) => ((resolve = res), (reject = rej)));
    const report = (r: { ok: BmcOpResult<O> } | { err: ApplianceError }, n: number) => {
      const base = { ...fields(bmc, op), durationMs: clock.now() - started, attempts: n };
      if ('ok' in r) {
        // Status polls are frequent and change nothing: keep them out of the info stream.
        if (op.kind === 'status' || op.kind === 'facts') log.debug('bmc operation', { ...base, outcome: 'ok' });
        else log.info('bmc operation', { ...base, outcome: 'ok' });
        resolve(r.ok);
      } else {
        log.warn('bmc operation', { ...base, outcome: r.err.code, error: r.err.message });
        reject(r.err);
      }
    };
    const done = attempts(driver, bmc, op, report, start).catch(() => undefined);
    return { result, done };
  };

  const run = <O extends BmcOp>(bmc: BmcRef, op: O): Promise<BmcOpResult<O>> => {
    const driver = drivers[bmc.type];
    if (!driver) return Promise.reject(unsupported(bmc, opName(op)));
    return new Promise<BmcOpResult<O>>((resolve, reject) => {
      void perBmc.run(bmcKey(bmc), () => {
        const c = command(driver, bmc, op);
        c.result.then(resolve, reject);
        return c.done;
      });
    });
  };

  /** Inside a job its slot is already held: an attempt only calls the driver. */
  const inJob: Starter = async (driver, bmc, op) => call(driver, bmc, op);
  let jobs = 0;

  const job = <T>(bmc: BmcRef, name: string, body: (run: JobRun) => Promise<T>): Promise<T> => {
    const driver = drivers[bmc.type];
    if (!driver) return Promise.reject(unsupported(bmc, name));
    const queuedAt = clock.now();
    jobs++;
    const out = perBmc.run(bmcKey(bmc), async () => {
      const release = await global.acquire();
      const startedAt = clock.now();
      const base = { host: bmc.target.hostId, bmc: bmcKey(bmc), type: bmc.type, job: name };
      const runIn: JobRun = async (op) => {
        const c = command(driver, bmc, op, inJob);
        c.result.catch(() => undefined); // handled below, once the command has really ended
        await c.done;
        return c.result;
      };
      try {
        const r = await body(runIn);
        log.info('bmc job', { ...base, outcome: 'ok', queuedMs: startedAt - queuedAt, durationMs: clock.now() - startedAt });
        return r;
      } catch (e) {
        log.warn('bmc job', { ...base, outcome: (e as ApplianceError).code ?? 'error', error: (e as Error).message, queuedMs: startedAt - queuedAt, durationMs: clock.now() - startedAt });
        throw e;
      } finally {
        release();
      }
    });
    const left = () => void jobs--;
    out.then(left, left);
    return out;
  };

  return {
    run,
    job,
    powerStatus: (bmc) => run(bmc, { kind: 'status' }),
    power: (bmc, action) => run(bmc, { kind: 'power', action }),
    bootPxeOnce: (bmc) => run(bmc, { kind: 'bootPxe' }),
    facts: (bmc) => run(bmc, { kind: 'facts' }),
    stats: () => ({ active: global.active, waiting: global.waiting, busyBmcs: perBmc.busyKeys, jobs }),
    async close() {
      await Promise.allSettled(Object.values(drivers).map((d) => d?.close?.()));
    },
  };
}

function invoke<O extends BmcOp>(d: PowerController, t: BmcTarget, op: O): Promise<BmcOpResult<O>> {
  const call = (): Promise<unknown> => {
    switch (op.kind) {
      case 'status':
        return d.powerStatus(t);
      case 'power':
        return d.power(t, op.action);
      case 'bootPxe':
        return d.bootPxeOnce(t);
      case 'facts':
        return d.facts ? d.facts(t) : Promise.resolve({});
    }
  };
  // A driver that throws synchronously still yields a rejected promise.
  return Promise.resolve().then(call) as Promise<BmcOpResult<O>>;
}

/** Reaching the BMC failed in a way another try may fix, and repeating the command is harmless. */
export function shouldRetry(e: ApplianceError, op: BmcOp): boolean {
  if (e.code !== 'BMC_UNREACHABLE' && e.code !== 'BMC_TIMEOUT') return false;
  if (e.details?.retryable === false) return false;
  // A lost answer to cycle/reset may hide a command that was carried out: twice would reboot twice.
  const idempotent = op.kind !== 'power' || (op.action !== 'cycle' && op.action !== 'reset');
  return e.code === 'BMC_UNREACHABLE' || idempotent;
}

function asBmcError(e: unknown, t: BmcTarget): ApplianceError {
  if (isApplianceError(e)) {
    const message = scrub(e.message, t.password);
    return message === e.message ? e : new ApplianceError(e.code, message, e.details);
  }
  return new ApplianceError('BMC_UNREACHABLE', scrub(`BMC driver error: ${(e as Error)?.message ?? String(e)}`, t.password), { retryable: false });
}

function bmcKey(bmc: BmcRef): string {
  return `${bmc.target.address}:${bmc.target.port ?? DEFAULT_PORTS[bmc.type] ?? 0}`;
}

function opName(op: BmcOp): string {
  return op.kind === 'power' ? `power.${op.action}` : op.kind;
}

/** Log fields: never the target object itself (it holds the password). */
function fields(bmc: BmcRef, op: BmcOp): Record<string, unknown> {
  return { host: bmc.target.hostId, bmc: bmcKey(bmc), type: bmc.type, op: opName(op) };
}
