// One declaration per route (STYLE: fastify's schema-first routes): its path, who may call it,
// and zod schemas for params, query and body. The same declaration validates requests
// (registry.ts) and generates the OpenAPI 3.1 document (openapi.ts), so a route cannot be
// served undocumented or documented unlike what it accepts.
//
// zod (v4) was chosen over TypeBox/ajv because its schemas are also the TypeScript types the
// handlers receive (no second declaration), its errors carry the path of the offending field
// (the 400s name it), and z.toJSONSchema() emits JSON Schema 2020-12, the dialect OpenAPI 3.1 uses.
import type { Request, Response } from 'express';
import type { z } from 'zod';

/**
 * Who may call a route:
 * - public: anyone (health, the API document, a token's own details by its value);
 * - read: the operator plane's reads; open on a loopback listener, a token on any other;
 * - user: any valid token;
 * - admin: a token of an admin user.
 */
export type Access = 'public' | 'read' | 'user' | 'admin';

/** The error envelope a route family answers with (each seed surface keeps its own). */
export type Family = 'operator' | 'vmpooler' | 'has';

export type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

export interface AuthContext {
  user: string;
  role: 'admin' | 'user';
  /** sha256 of the token (the store key); never the token itself. */
  tokenHash: string;
}

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** OpenAPI form: /v1/hosts/{id}. */
  path: string;
  family: Family;
  access: Access;
  summary: string;
  description?: string;
  tags: readonly string[];
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be absent (then `{}` is validated). */
  bodyOptional?: boolean;
  /** The route checks HTTP Basic credentials itself (vmpooler's /token routes). */
  basicAuth?: boolean;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => unknown;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  auth: AuthContext | undefined;
  req: Request;
  res: Response;
}

/** A route with its schema types erased, as the registry and the OpenAPI builder see it. */
export type AnyRoute = RouteSpec<AnyObject, AnyObject, z.ZodType>;

/**
 * Declares a route. What the handler returns is sent as JSON with the first 2xx status in
 * `responses`; a handler that answers by itself (streams, text, other statuses) returns undefined
 * after writing `res`.
 */
export function route<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** /v1/hosts/{id} -> /v1/hosts/:id (express). */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}
