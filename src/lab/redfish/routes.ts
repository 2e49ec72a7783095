// The lab BMC's URIs and what each method does there. Transport concerns (TLS, authentication,
// body parsing, headers) live in server.ts; bodies come from resources.ts; machine effects from
// control.ts. Machine-changing requests run one at a time so a reset cannot interleave with a
// boot-override change.

import type { IncomingHttpHeaders } from 'node:http';
import type { LabMachine } from '../machine.js';
import { bootView, overrideFor, planReset, planSystemPatch, runReset, type LabMachineExtras } from './control.js';
import { errorBody, message, type Json } from './messages.js';
import * as R from './resources.js';
import type { SessionStore } from './sessions.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Request {
  method: Method;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON object (POST/PATCH); {} for an empty body. */
  body: Json;
}

export interface Reply {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
  /** Entity tag of the returned representation (sent as ETag). */
  etag?: string;
}

export interface Route {
  methods: Partial<Record<Method, (r: Request) => Reply | Promise<Reply>>>;
  /** Methods served without credentials (DSP0266: /redfish, the service root, odata, and login). */
  open?: Method[];
}

export interface Core {
  machine: LabMachine & LabMachineExtras;
  ids: R.Ids;
  sessions: SessionStore;
  serviceUuid: string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export const fail = (status: number, ...messages: Json[]): Reply => ({ status, body: errorBody(messages) });
const ok = (body: Json): Reply => ({ status: 200, body });

export function notFound(path: string): Reply {
  return fail(404, message('ResourceMissingAtURI', [path]));
}

export function createRoutes(core: Core): (path: string) => Route | undefined {
  const { machine, ids, sessions } = core;
  /** Target last written, shown while no override is active (see bootView). */
  let remembered: R.BootTarget = 'None';
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const view = (): R.SystemView => {
    const v: R.SystemView = { ids, name: machine.name, uuid: machine.uuid, power: machine.powerState(), memoryMiB: machine.memoryMiB, mac: machine.mac, boot: bootView(machine, remembered) };
    if (typeof machine.cpus === 'number') v.cpus = machine.cpus;
    return v;
  };

  const patchSystem = (r: Request): Promise<Reply> =>
    serial(async () => {
      const before = R.withEtag(R.computerSystem(view()));
      if (!ifMatch(r.headers['if-match'], before.etag)) return fail(412, message('PreconditionFailed'));
      const plan = planSystemPatch(r.body, before.body, view().boot);
      if (!plan.ok) return fail(400, ...plan.messages);
      remembered = plan.value.target;
      machine.setBootOverride(overrideFor(plan.value.enabled, plan.value.target));
      core.log('redfish boot override', { enabled: plan.value.enabled, target: plan.value.target });
      const after = R.withEtag(R.computerSystem(view()));
      // Skipped properties ride along as a message annotation on the updated resource (DSP0266).
      const body = plan.ignored.length ? { ...after.body, '@Message.ExtendedInfo': plan.ignored } : after.body;
      return { status: 200, body, etag: after.etag };
    });

  const reset = (r: Request): Promise<Reply> =>
    serial(async () => {
      const plan = planReset(r.body);
      if (!plan.ok) return fail(400, ...plan.messages);
      try {
        await runReset(machine, plan.value);
      } catch (e) {
        core.log('redfish reset failed', { resetType: plan.value, error: e instanceof Error ? e.message : String(e) });
        return fail(500, message('InternalError'));
      }
      core.log('redfish reset', { resetType: plan.value });
      return { status: 204 };
    });

  const login = (r: Request): Reply => {
    const missing = ['UserName', 'Password'].filter((k) => r.body[k] === undefined);
    if (missing.length) return fail(400, ...missing.map((k) => message('PropertyMissing', [k], [`#/${k}`])));
    const bad = ['UserName', 'Password'].filter((k) => typeof r.body[k] !== 'string');
    // The offending value is not echoed: it may be a password.
    if (bad.length) return fail(400, ...bad.map((k) => message('PropertyValueTypeError', ['(hidden)', k], [`#/${k}`])));
    const made = sessions.login(r.body.UserName as string, r.body.Password as string);
    if (!made) {
      core.log('redfish login refused');
      return { ...fail(401, message('NoValidSession')), headers: { 'WWW-Authenticate': 'Basic realm="Redfish"' } };
    }
    core.log('redfish login', { session: made.session.id });
    const location = R.uri.session(made.session.id);
    return { status: 201, body: R.session(made.session.id, made.session.userName), headers: { 'X-Auth-Token': made.token, Location: location } };
  };

  const fixed = new Map<string, Route>([
    ['/redfish', { methods: { GET: () => ok(R.versions()) }, open: ['GET'] }],
    [R.V1, { methods: { GET: () => ok(R.serviceRoot(core.serviceUuid)) }, open: ['GET'] }],
    [`${R.V1}/odata`, { methods: { GET: () => ok(R.odataService()) }, open: ['GET'] }],
    [R.uri.sessionService, { methods: { GET: () => ok(R.sessionService(sessions.timeoutS)) } }],
    [
      R.uri.sessions,
      {
        methods: { GET: () => ok(R.collection(R.uri.sessions, 'SessionCollection', 'Sessions', sessions.list().map((s) => R.uri.session(s.id)))), POST: login },
        open: ['POST'],
      },
    ],
    [R.uri.systems, { methods: { GET: () => ok(R.collection(R.uri.systems, 'ComputerSystemCollection', 'Computer Systems', [R.uri.system(ids)])) } }],
    [R.uri.system(ids), { methods: { GET: () => ok(R.computerSystem(view())), PATCH: patchSystem } }],
    [R.uri.reset(ids), { methods: { POST: reset } }],
    [R.uri.nics(ids), { methods: { GET: () => ok(R.collection(R.uri.nics(ids), 'EthernetInterfaceCollection', 'Ethernet Interfaces', [R.uri.nic(ids)])) } }],
    [R.uri.nic(ids), { methods: { GET: () => ok(R.ethernetInterface(view())) } }],
    [R.uri.managers, { methods: { GET: () => ok(R.collection(R.uri.managers, 'ManagerCollection', 'Managers', [R.uri.manager(ids)])) } }],
    [R.uri.manager(ids), { methods: { GET: () => ok(R.manager(view(), core.serviceUuid)) } }],
    [R.uri.chassisAll, { methods: { GET: () => ok(R.collection(R.uri.chassisAll, 'ChassisCollection', 'Chassis', [R.uri.chassis(ids)])) } }],
    [R.uri.chassis(ids), { methods: { GET: () => ok(R.chassis(view())) } }],
  ]);

  const sessionRoute = (id: string): Route => ({
    methods: {
      GET: () => {
        const s = sessions.get(id);
        return s ? ok(R.session(s.id, s.userName)) : notFound(R.uri.session(id));
      },
      DELETE: () => {
        if (!sessions.delete(id)) return notFound(R.uri.session(id));
        core.log('redfish logout', { session: id });
        return { status: 204 };
      },
    },
  });

  return (path) => {
    const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const hit = fixed.get(p);
    if (hit) return hit;
    const m = /^\/redfish\/v1\/SessionService\/Sessions\/([^/]+)$/.exec(p);
    return m?.[1] ? sessionRoute(m[1]) : undefined;
  };
}

/**
 * If-Match (RFC 9110 section 13.1.1): absent or "*" passes; otherwise one listed tag must equal
 * the current one. Weak and strong forms of the same opaque tag are accepted alike, because
 * Redfish clients echo the weak @odata.etag (and sushy retries with the W/ dropped).
 */
export function ifMatch(header: string | string[] | undefined, current: string): boolean {
  if (header === undefined) return true;
  const text = Array.isArray(header) ? header.join(',') : header;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  const want = opaque(current);
  return text.split(',').some((t) => t.trim() === '*' || opaque(t) === want);
}
