// API users (admin): the same store records `corral user add|list|rm` manages.
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { route, type AnyRoute } from '../http/route.js';
import type { AuthServices } from '../auth/services.js';
import { userView } from '../auth/users.js';

const UserParams = z.strictObject({ name: z.string().min(1).max(64) });

export function usersRoutes(auth: AuthServices): AnyRoute[] {
  const common = { family: 'operator', tags: ['users'] } as const;
  return [
    route({
      ...common,
      method: 'get',
      path: '/v1/me',
      access: 'user',
      summary: 'Who the token belongs to',
      responses: { 200: { description: '{user, role}', schema: z.object({ user: z.string(), role: z.enum(['admin', 'user']) }) } },
      handler: ({ auth: who }) => ({ user: who!.user, role: who!.role }),
    }),
    route({ ...common, method: 'get', path: '/v1/users', access: 'admin', summary: 'Users (never their password hashes)', responses: { 200: { description: '[{name, role, created}]' } }, handler: () => auth.users.list().map(userView) }),
    route({
      ...common,
      method: 'post',
      path: '/v1/users',
      access: 'admin',
      summary: 'Add a user',
      body: z.strictObject({ name: z.string().min(1).max(64), role: z.enum(['admin', 'user']), password: z.string().min(8).max(1024) }),
      responses: { 201: { description: 'the user' }, 400: { description: 'bad name or password' }, 409: { description: 'the user exists' } },
      handler: async ({ body }) => userView(await auth.users.add(body.name, body.role, body.password)),
    }),
    route({
      ...common,
      method: 'delete',
      path: '/v1/users/{name}',
      access: 'admin',
      summary: 'Remove a user and revoke their tokens',
      params: UserParams,
      responses: { 204: { description: 'removed' }, 404: { description: 'USER_NOT_FOUND' } },
      handler: async ({ params, res }) => {
        if (!(await auth.users.remove(params.name))) throw new ApplianceError('USER_NOT_FOUND', `user "${params.name}" not found`);
        res.status(204).end();
      },
    }),
  ];
}
