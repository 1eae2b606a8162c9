import { Type } from '@sinclair/typebox';
import { decodeEvent } from '../../store/event-kinds.js';
import type { EventRow } from '../../store/event-log.js';
import type { ApiRequest } from '../request-scope.js';
import { route, team, type RouteSpec } from '../route.js';

/** Events of the shared standards: every team sees them. */
const SHARED_KINDS = ['endpoint_created', 'protocol_version_created', 'gate_set'];

/**
 * The event log as the identity may see it: model events of visible teams' models and
 * the shared standards' events. A page polls it (after=SEQ) or follows the stream.
 */
export async function visibleEvents(req: ApiRequest, afterSeq: number, limit: number): Promise<EventRow[]> {
  const models = req.ctx.store.db
    .selectFrom('model_versions')
    .select('model')
    .where('team', 'in', req.visibleTeams.length ? req.visibleTeams : ['']);
  return req.ctx.store.db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>', afterSeq)
    .where((eb) => eb.or([eb('model', 'in', models), eb.and([eb('model', 'is', null), eb('kind', 'in', SHARED_KINDS)])]))
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export function eventView(r: EventRow) {
  const e = decodeEvent(r);
  return {
    seq: e.seq,
    id: e.id,
    at: e.at,
    kind: e.kind,
    actor: e.actor,
    subject: e.subject,
    model: e.model,
    versionId: e.version_id,
    reason: e.reason,
    payload: e.payload,
    hash: e.hash,
  };
}

export function eventRoutes(): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/events',
      summary: 'Visible events after a sequence number, oldest first',
      tag: 'events',
      access: team('read'),
      schema: {
        querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      },
      handler: async (req) => (await visibleEvents(req, Number(req.query.after ?? 0), Number(req.query.limit ?? 200))).map(eventView),
    }),
  ];
}
