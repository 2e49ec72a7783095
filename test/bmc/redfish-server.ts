// A small Redfish service for tests, following DMTF DSP0266 / the ComputerSystem schema for the
// few resources Corral uses: service root, Systems collection, one ComputerSystem (PowerState,
// Boot override with AllowableValues, @odata.etag + ETag), ComputerSystem.Reset (validated
// against ResetType@Redfish.AllowableValues or an ActionInfo resource), SessionService/Sessions
// (POST -> 201 + X-Auth-Token + Location, DELETE = logout) and Basic auth. Everything but the
// service root needs credentials (401). Every request is recorded; faults are switchable.

import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface MockOptions {
  user?: string;
  pass?: string;
  systemId?: string;
  /** false: no session service (POST Sessions -> 404), Basic auth only. */
  sessions?: boolean;
  resetTypes?: string[];
  /** 'inline' (default): ResetType@Redfish.AllowableValues; 'actionInfo': a separate resource; 'none'. */
  allowable?: 'inline' | 'actionInfo' | 'none';
  bootTargets?: string[];
  /** Omit BootSourceOverrideMode from Boot (an older BMC). */
  noBootMode?: boolean;
  /** Omit the Reset action entirely. */
  noReset?: boolean;
  tls?: { key: string; cert: string };
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Faults {
  /** Answer nothing while set (a BMC that takes requests and never replies); close() ends those. */
  hang: boolean;
  /** Answer the next N authenticated requests with 500. */
  fail500: number;
  /** Answer the next PATCH with 412 (someone changed the resource). */
  stalePatch: number;
}

export interface RedfishMock {
  url: string;
  port: number;
  requests: Recorded[];
  resets: string[];
  state: { power: 'On' | 'Off'; boot: Record<string, unknown>; etag: number };
  faults: Faults;
  sessions: Map<string, string>;
  close(): Promise<void>;
}

const ALL_RESETS = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'ForceOn', 'PushPowerButton', 'PowerCycle'];

export async function startRedfishMock(opts: MockOptions = {}): Promise<RedfishMock> {
  const user = opts.user ?? 'root';
  const pass = opts.pass ?? 'calvin';
  const sid = opts.systemId ?? '1';
  const sys = `/redfish/v1/Systems/${sid}`;
  const resetTypes = opts.resetTypes ?? ALL_RESETS;
  const bootTargets = opts.bootTargets ?? ['None', 'Pxe', 'Hdd', 'Cd', 'UefiHttp', 'BiosSetup'];
  const mock: RedfishMock = {
    url: '',
    port: 0,
    requests: [],
    resets: [],
    state: { power: 'Off', boot: { BootSourceOverrideTarget: 'None', BootSourceOverrideEnabled: 'Disabled', ...(!opts.noBootMode && { BootSourceOverrideMode: 'UEFI' }) }, etag: 1 },
    faults: { hang: false, fail500: 0, stalePatch: 0 },
    sessions: new Map(),
    close: async () => {},
  };
  let nextSession = 1;

  const system = () => {
    const reset: Record<string, unknown> = { target: `${sys}/Actions/ComputerSystem.Reset` };
    if ((opts.allowable ?? 'inline') === 'inline') reset['ResetType@Redfish.AllowableValues'] = resetTypes;
    if (opts.allowable === 'actionInfo') reset['@Redfish.ActionInfo'] = `${sys}/ResetActionInfo`;
    return {
      '@odata.id': sys,
      '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
      '@odata.etag': `W/"${mock.state.etag}"`,
      Id: sid,
      Name: 'Mock System',
      Manufacturer: 'Corral Test',
      Model: 'Mock 1U',
      SerialNumber: 'MOCK-0001',
      BiosVersion: '1.2.3',
      UUID: '00000000-0000-4000-8000-000000000001',
      PowerState: mock.state.power,
      Boot: { ...mock.state.boot, 'BootSourceOverrideTarget@Redfish.AllowableValues': bootTargets },
      Actions: opts.noReset ? {} : { '#ComputerSystem.Reset': reset },
    };
  };

  const authed = (req: IncomingMessage): boolean => {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && mock.sessions.has(token)) return true;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return basic !== undefined && Buffer.from(basic, 'base64').toString() === `${user}:${pass}`;
  };

  const handle = (req: IncomingMessage, path: string, body: Record<string, unknown>): [number, unknown, Record<string, string>?] => {
    const m = req.method ?? 'GET';
    if (m === 'GET' && (path === '/redfish/v1' || path === '/redfish/v1/')) {
      return [200, { '@odata.id': '/redfish/v1', RedfishVersion: '1.15.0', Systems: { '@odata.id': '/redfish/v1/Systems' }, SessionService: { '@odata.id': '/redfish/v1/SessionService' }, Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } } }];
    }
    if (m === 'POST' && path === '/redfish/v1/SessionService/Sessions') {
      if (opts.sessions === false) return [404, error('Base.1.0.ResourceMissingAtURI', 'no session service')];
      if (body.UserName !== user || body.Password !== pass) return [401, error('Base.1.0.NoValidSession', 'bad credentials')];
      const id = String(nextSession++);
      const token = `tok-${id}-${Math.random().toString(36).slice(2)}`;
      mock.sessions.set(token, id);
      const loc = `/redfish/v1/SessionService/Sessions/${id}`;
      return [201, { '@odata.id': loc, Id: id, UserName: user }, { 'X-Auth-Token': token, Location: loc }];
    }
    if (!authed(req)) return [401, error('Base.1.0.NoValidSession', 'authentication required')];
    if (mock.faults.fail500 > 0) {
      mock.faults.fail500--;
      return [500, error('Base.1.0.InternalError', 'injected failure')];
    }
    const sess = /^\/redfish\/v1\/SessionService\/Sessions\/(\d+)$/.exec(path);
    if (m === 'DELETE' && sess) {
      for (const [tok, id] of mock.sessions) if (id === sess[1]) mock.sessions.delete(tok);
      return [204, undefined];
    }
    if (m === 'GET' && path === '/redfish/v1/Systems') {
      return [200, { '@odata.id': '/redfish/v1/Systems', 'Members@odata.count': 1, Members: [{ '@odata.id': sys }] }];
    }
    if (m === 'GET' && path === sys) return [200, system(), { ETag: `W/"${mock.state.etag}"` }];
    if (m === 'GET' && path === `${sys}/ResetActionInfo` && opts.allowable === 'actionInfo') {
      return [200, { '@odata.id': path, Id: 'ResetActionInfo', Parameters: [{ Name: 'ResetType', Required: true, DataType: 'String', AllowableValues: resetTypes }] }];
    }
    if (m === 'PATCH' && path === sys) return patchSystem(req, body);
    if (m === 'POST' && path === `${sys}/Actions/ComputerSystem.Reset` && !opts.noReset) return reset(body);
    return [404, error('Base.1.0.ResourceMissingAtURI', `${m} ${path}`)];
  };

  const patchSystem = (req: IncomingMessage, body: Record<string, unknown>): [number, unknown] => {
    const ifMatch = req.headers['if-match'];
    if (mock.faults.stalePatch > 0) {
      mock.faults.stalePatch--;
      mock.state.etag++;
      return [412, error('Base.1.0.PreconditionFailed', 'ETag mismatch')];
    }
    if (ifMatch !== undefined && ifMatch !== `W/"${mock.state.etag}"`) return [412, error('Base.1.0.PreconditionFailed', 'ETag mismatch')];
    const boot = (body.Boot ?? {}) as Record<string, unknown>;
    if (boot.BootSourceOverrideTarget !== undefined && !bootTargets.includes(String(boot.BootSourceOverrideTarget))) {
      return [400, error('Base.1.0.PropertyValueNotInList', 'BootSourceOverrideTarget not allowed')];
    }
    if (opts.noBootMode && 'BootSourceOverrideMode' in boot) return [400, error('Base.1.0.PropertyUnknown', 'BootSourceOverrideMode')];
    mock.state.boot = { ...mock.state.boot, ...boot };
    mock.state.etag++;
    return [204, undefined];
  };

  const reset = (body: Record<string, unknown>): [number, unknown] => {
    const t = String(body.ResetType);
    if (!resetTypes.includes(t)) return [400, error('Base.1.0.ActionParameterNotSupported', `ResetType ${t} not supported`)];
    mock.resets.push(t);
    if (t === 'ForceOff' || t === 'GracefulShutdown') mock.state.power = 'Off';
    else if (t === 'PushPowerButton') mock.state.power = mock.state.power === 'On' ? 'Off' : 'On';
    else mock.state.power = 'On';
    return [204, undefined];
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = {};
      }
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      mock.requests.push({ method: req.method ?? '', path, headers: req.headers, body: text ? body : undefined });
      if (mock.faults.hang) return;
      const [status, out, headers] = handle(req, path, body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'OData-Version': '4.0', ...headers });
      res.end(out === undefined ? undefined : JSON.stringify(out));
    });
  };

  const server: Server = opts.tls ? createHttps({ key: opts.tls.key, cert: opts.tls.cert }, listener) : createHttp(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mock.port = (server.address() as AddressInfo).port;
  mock.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${mock.port}`;
  mock.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  return mock;
}

function error(id: string, message: string) {
  return { error: { code: id, message, '@Message.ExtendedInfo': [{ MessageId: id, Message: message }] } };
}
