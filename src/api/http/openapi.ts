// The OpenAPI 3.1 document, generated from the route declarations (route.ts): nothing here is
// written by hand per route, so the document cannot drift from what the server validates.
import { z } from 'zod';
import type { AnyRoute } from './route.js';

type Json = Record<string, unknown>;

function jsonSchema(s: z.ZodType): Json {
  const out = z.toJSONSchema(s, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

function parameters(s: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!s) return [];
  const js = jsonSchema(s) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: where, required: where === 'path' || (js.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

/** The error body each route family answers with (HAS answers 401 without a body). */
const ERROR_SCHEMA = { operator: 'Error', vmpooler: 'VmpoolerError', has: 'HasError' } as const;

const SECURITY: Record<string, Json[]> = {
  public: [],
  read: [{}, { bearerAuth: [] }, { authToken: [] }],
  user: [{ bearerAuth: [] }, { authToken: [] }],
  admin: [{ bearerAuth: [] }, { authToken: [] }],
};

export function buildOpenApi(routes: AnyRoute[], info: { version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const responses: Record<string, Json> = {};
    for (const [code, spec] of Object.entries(r.responses)) {
      responses[code] = {
        description: spec.description,
        ...(spec.schema || spec.contentType ? { content: { [spec.contentType ?? 'application/json']: { schema: spec.schema ? jsonSchema(spec.schema) : { type: 'string' } } } } : {}),
      };
    }
    if (r.access !== 'public') {
      responses['401'] ??= { description: 'no token, or an unknown, revoked or expired one', ...(r.family !== 'has' && { content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA[r.family]}` } } } }) };
      if (r.access === 'admin') responses['403'] ??= { description: 'the token is not an admin\'s' };
    }
    const op: Json = {
      operationId: `${r.method}${r.path.replace(/\{([^}]+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: r.tags,
      'x-corral-access': r.access,
      security: r.basicAuth ? [{ basicAuth: [] }] : SECURITY[r.access],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: !r.bodyOptional, content: { 'application/json': { schema: jsonSchema(r.body) } } } } : {}),
      responses,
    };
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Corral API',
      version: info.version,
      description:
        'Bare-metal provisioning appliance. Operator plane under /v1 (Vaquero hierarchy, resmgr hosts and roles), vmpooler tokens under /api/v1. ' +
        'Mutations need a token (X-AUTH-TOKEN or Authorization: Bearer); operator reads need one when the API listens beyond loopback.',
    },
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer' },
        authToken: { type: 'apiKey', in: 'header', name: 'X-AUTH-TOKEN' },
        basicAuth: { type: 'http', scheme: 'basic' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['ok', 'code', 'message'],
          properties: { ok: { const: false }, code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
        },
        VmpoolerError: { type: 'object', required: ['ok'], properties: { ok: { const: false }, message: { type: 'string' } } },
        HasError: {
          type: 'object',
          required: ['title', 'explanation', 'code', 'error'],
          properties: { title: { type: 'string' }, explanation: { type: 'string' }, code: { type: 'integer' }, error: { type: 'object', properties: { message: { type: 'string' }, type: { type: 'string' } } } },
        },
      },
    },
  };
}
