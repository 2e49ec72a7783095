// corral user add|list|rm: API users. Works on the data folder's store directly when no
// appliance holds it, else through the running appliance's API with its local admin token.
// Passwords are read from a file, the terminal (not echoed) or stdin — never from argv, where
// they would land in shell history and in /proc/<pid>/cmdline.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { openStore } from './store/lowdb-store.js';
import { systemClock } from './lib/clock.js';
import { nullLogger } from './lib/log.js';
import { createAuthServices } from './api/auth/services.js';
import { userView } from './api/auth/users.js';
import { isApplianceError, type UserRole } from './model/index.js';
import { ClientUsageError, DEFAULT_DATA, call, type ClientIo } from './cli-client.js';

const DEFAULT_API = process.env.CORRAL_API ?? 'http://127.0.0.1:8080';

type View = ReturnType<typeof userView>;

interface UserBackend {
  add(name: string, role: UserRole, password: string): Promise<View>;
  list(): Promise<View[]>;
  rm(name: string): Promise<boolean>;
  close(): Promise<void>;
}

async function storeBackend(dataDir: string): Promise<UserBackend | 'locked'> {
  let store;
  try {
    store = await openStore({ dir: dataDir, clock: systemClock, log: nullLogger });
  } catch (e) {
    if (isApplianceError(e) && e.details?.lock) return 'locked';
    throw e;
  }
  const auth = createAuthServices(store, systemClock);
  return {
    add: async (n, r, p) => userView(await auth.users.add(n, r, p)),
    list: async () => auth.users.list().map(userView),
    rm: (n) => auth.users.remove(n),
    close: () => store.close(),
  };
}

function apiBackend(api: string, dataDir: string): UserBackend {
  const check = (r: { status: number; json: any }) => {
    if (r.status >= 400) throw new Error(`${r.json?.code ?? r.status}: ${r.json?.message ?? 'request failed'}`);
    return r.json;
  };
  return {
    add: async (name, role, password) => check(await call(api, 'POST', '/users', { name, role, password }, dataDir)),
    list: async () => check(await call(api, 'GET', '/users', undefined, dataDir)),
    rm: async (name) => {
      const r = await call(api, 'DELETE', `/users/${encodeURIComponent(name)}`, undefined, dataDir);
      if (r.status === 404) return false;
      check(r);
      return true;
    },
    close: async () => undefined,
  };
}

async function backend(dataDir: string, api: string): Promise<UserBackend> {
  const b = await storeBackend(dataDir);
  return b === 'locked' ? apiBackend(api, dataDir) : b;
}

/** One line from a file, a hidden terminal prompt (asked twice), or stdin. */
async function readPassword(file: string | undefined): Promise<string> {
  if (file) return (readFileSync(file, 'utf8').split('\n')[0] ?? '').replace(/\r$/, '');
  if (process.stdin.isTTY) {
    const first = await prompt('Password: ');
    const again = await prompt('Again: ');
    if (first !== again) throw new Error('the passwords differ');
    return first;
  }
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  throw new Error('no password given on stdin (or use --password-file)');
}

function prompt(q: string): Promise<string> {
  let muted = false;
  const out = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output: out, terminal: true });
  return new Promise((resolve) => {
    rl.question(q, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

export async function cmdUser(args: string[], io: ClientIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { role: { type: 'string' }, 'password-file': { type: 'string' }, data: { type: 'string', default: DEFAULT_DATA }, api: { type: 'string', default: DEFAULT_API } },
    allowPositionals: true,
    strict: true,
  });
  if (sub === 'add') {
    const [name] = positionals;
    if (!name || positionals.length > 1) throw new ClientUsageError('user add takes <name>');
    if (values.role !== 'admin' && values.role !== 'user') throw new ClientUsageError('user add needs --role admin|user');
    const password = await readPassword(values['password-file']);
    const b = await backend(values.data!, values.api!);
    try {
      const u = await b.add(name, values.role, password);
      io.out(`added ${u.name} (${u.role})\n`);
      return 0;
    } finally {
      await b.close();
    }
  }
  if (sub === 'list' || sub === 'ls') {
    if (positionals.length) throw new ClientUsageError('user list takes no arguments');
    const b = await backend(values.data!, values.api!);
    try {
      for (const u of await b.list()) io.out(`${u.name.padEnd(24)} ${u.role.padEnd(6)} ${u.created}\n`);
      return 0;
    } finally {
      await b.close();
    }
  }
  if (sub === 'rm' || sub === 'remove') {
    const [name] = positionals;
    if (!name || positionals.length > 1) throw new ClientUsageError('user rm takes <name>');
    const b = await backend(values.data!, values.api!);
    try {
      if (!(await b.rm(name))) {
        io.err(`corral: no user "${name}"\n`);
        return 1;
      }
      io.out(`removed ${name} and revoked their tokens\n`);
      return 0;
    } finally {
      await b.close();
    }
  }
  throw new ClientUsageError('user takes add, list or rm');
}
