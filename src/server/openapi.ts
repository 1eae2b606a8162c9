import type { TSchema } from '@sinclair/typebox';
import { packageVersion } from '../core/package-info.js';
import type { RouteSpec } from './route.js';

/**
 * The OpenAPI 3.1 document, generated from the same route declarations (and TypeBox
 * schemas, which are JSON Schema) that Fastify validates requests with: the document
 * cannot drift from what the server accepts.
 */
export function openApiDocument(routes: RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [...toParameters(r.schema.params, 'path'), ...toParameters(r.schema.querystring, 'query')];
    const errors = r.access.kind === 'public' ? {} : { '401': ref('Unauthenticated'), '403': ref('Forbidden'), '404': ref('NotFound') };
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: operationId(r),
      ...(r.access.kind === 'public' ? { security: [] } : {}),
      'x-rotguard-access': 'permission' in r.access ? `${r.access.kind}:${r.access.permission}` : r.access.kind,
      ...(parameters.length ? { parameters } : {}),
      ...(r.schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(r.schema.body) } } } } : {}),
      responses: {
        '200': { description: 'OK', content: { [r.produces ?? 'application/json']: { schema: {} } } },
        '400': ref('BadRequest'),
        ...errors,
      },
    };
  }
  const error = {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
      },
    },
  };
  const response = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  return {
    openapi: '3.1.0',
    info: {
      title: 'rotguard',
      version: packageVersion(),
      description: 'Versioned ADMET data, reproducible builds, lineage, monitoring, policy and audit for teams.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A rotguard API token (rg_…) or an OpenID Connect JWT' } },
      schemas: { Error: error },
      responses: {
        BadRequest: response('The request does not match the schema'),
        Unauthenticated: response('No valid token'),
        Forbidden: response('The identity lacks the role in this team'),
        NotFound: response('No such object, or one of a team you cannot see'),
      },
    },
  };
}

function ref(name: string) {
  return { $ref: `#/components/responses/${name}` };
}

function operationId(r: RouteSpec): string {
  const words = r.url
    .replace('/api/v1/', '')
    .split('/')
    .map((p) => (p.startsWith(':') ? `by-${p.slice(1)}` : p));
  return [r.method.toLowerCase(), ...words].join('-').replace(/[^a-zA-Z0-9]+(.)/g, (_, c: string) => c.toUpperCase());
}

function toParameters(schema: TSchema | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const s = plain(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: p,
  }));
}

/** The schema as plain JSON (TypeBox marks schemas with symbol keys). */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema));
}
