import { Type } from '@sinclair/typebox';
import { addEndpoint, addProtocol, listEndpoints, listProtocols, setGate, showGate } from '../../usecases/standards.js';
import { AUTHENTICATED, route, shared, type RouteSpec } from '../route.js';
import { str } from './common.js';

/** Shared standards: readable by every authenticated identity, written by stewards. */
export function standardsRoutes(): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/endpoints',
      summary: 'Endpoint standards (shared label definitions)',
      tag: 'standards',
      access: AUTHENTICATED,
      schema: {},
      handler: async (req) => listEndpoints(req.ctx),
    }),
    route({
      method: 'POST',
      url: '/api/v1/endpoints',
      summary: 'Adds an endpoint standard (the same definition again is a no-op)',
      tag: 'standards',
      access: shared('standards'),
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            unit: Type.String({ minLength: 1 }),
            transform: Type.Union([Type.Literal('none'), Type.Literal('log10')]),
            direction: Type.Union([Type.Literal('higher_is_better'), Type.Literal('lower_is_better')]),
            validMin: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
            validMax: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
            description: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as {
          name: string;
          unit: string;
          transform: 'none' | 'log10';
          direction: 'higher_is_better' | 'lower_is_better';
          validMin?: number | null;
          validMax?: number | null;
          description?: string;
        };
        return addEndpoint(req.ctx, { ...b, validMin: b.validMin ?? null, validMax: b.validMax ?? null, description: b.description ?? '' });
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/protocols',
      summary: 'Assay protocol versions (optionally of one endpoint)',
      tag: 'standards',
      access: AUTHENTICATED,
      schema: { querystring: Type.Object({ endpoint: Type.Optional(Type.String()) }) },
      handler: async (req) => listProtocols(req.ctx, str(req.query.endpoint)),
    }),
    route({
      method: 'POST',
      url: '/api/v1/protocols',
      summary: 'Adds a protocol version (a change is version N+1, never an edit)',
      tag: 'standards',
      access: shared('standards'),
      schema: {
        body: Type.Object(
          {
            protocol: Type.String({ minLength: 1 }),
            endpoint: Type.String({ minLength: 1 }),
            site: Type.String(),
            vendor: Type.Optional(Type.String()),
            unit: Type.String({ minLength: 1 }),
            parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            censoring: Type.Optional(Type.Object({ floor: Type.Optional(Type.Number()), ceiling: Type.Optional(Type.Number()) })),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as {
          protocol: string;
          endpoint: string;
          site: string;
          vendor?: string;
          unit: string;
          parameters?: Record<string, unknown>;
          censoring?: { floor?: number; ceiling?: number };
        };
        return addProtocol(req.ctx, { ...b, vendor: b.vendor ?? '', parameters: b.parameters ?? {} });
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/gates/:endpoint',
      summary: "An endpoint's current release gate",
      tag: 'standards',
      access: AUTHENTICATED,
      schema: { params: Type.Object({ endpoint: Type.String({ minLength: 1 }) }) },
      handler: async (req) => (await showGate(req.ctx, req.params.endpoint!)) ?? { endpoint: req.params.endpoint, gate: null },
    }),
    route({
      method: 'PUT',
      url: '/api/v1/gates/:endpoint',
      summary: "Sets an endpoint's release gate, shared by every team",
      tag: 'standards',
      access: shared('standards'),
      schema: { params: Type.Object({ endpoint: Type.String({ minLength: 1 }) }), body: Type.Record(Type.String(), Type.Unknown()) },
      handler: async (req) => setGate(req.ctx, req.params.endpoint!, req.body),
    }),
  ];
}
