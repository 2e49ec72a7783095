// API users, kept in the store. Passwords never leave this module except as scrypt hashes,
// and neither hashes nor salts reach a response, a log line or the journal.
import type { User, UserRole } from '../../model/index.js';
import { ApplianceError } from '../../model/index.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../lib/clock.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import type { Tokens } from './tokens.js';

export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A user as every API shows it. */
export function userView(u: User) {
  return { name: u.name, role: u.role, created: new Date(u.createdAt).toISOString() };
}

export interface Users {
  add(name: string, role: UserRole, password: string): Promise<User>;
  remove(name: string): Promise<boolean>;
  list(): User[];
  get(name: string): User | undefined;
  /** The user if the password is right; undefined for an unknown user or a wrong password alike. */
  login(name: string, password: string): Promise<User | undefined>;
}

export function createUsers(deps: { store: Store; clock: Clock; tokens?: Tokens }): Users {
  // A fixed dummy hash, so an unknown user costs the same scrypt work as a wrong password
  // (no timing oracle for which names exist).
  let dummy: Promise<Pick<User, 'passwordHash' | 'salt' | 'scrypt'>> | undefined;
  return {
    async add(name, role, password) {
      if (!USER_NAME.test(name)) throw new ApplianceError('BAD_REQUEST', 'user name: 1-64 characters of letters, digits, ".", "_", "-", starting with a letter or digit');
      const weak = passwordProblem(password);
      if (weak) throw new ApplianceError('BAD_REQUEST', weak);
      if (deps.store.get('users', name)) throw new ApplianceError('CONFLICT', `user "${name}" already exists`);
      const user: User = { name, role, ...(await hashPassword(password)), createdAt: deps.clock.now() };
      await deps.store.transact((tx) => {
        if (tx.get('users', name)) throw new ApplianceError('CONFLICT', `user "${name}" already exists`);
        tx.put('users', name, user);
        tx.event({ subject: 'appliance', type: 'user.added', data: { user: name, role } });
      });
      return user;
    },
    async remove(name) {
      const gone = await deps.store.transact((tx) => {
        if (!tx.get('users', name)) return false;
        tx.del('users', name);
        tx.event({ subject: 'appliance', type: 'user.removed', data: { user: name } });
        return true;
      });
      if (gone) await deps.tokens?.revokeAll(name);
      return gone;
    },
    list: () => deps.store.list('users').sort((a, b) => a.name.localeCompare(b.name)),
    get: (name) => deps.store.get('users', name),
    async login(name, password) {
      const user = USER_NAME.test(name) ? deps.store.get('users', name) : undefined;
      if (!user) {
        dummy ??= hashPassword('corral-dummy-password');
        await verifyPassword(await dummy, password);
        return undefined;
      }
      return (await verifyPassword(user, password)) ? user : undefined;
    },
  };
}
