import { Type } from '@sinclair/typebox';
import { RotguardError } from '../../core/errors.js';
import { decodeEvent } from '../../store/event-kinds.js';
import { readEvents } from '../../store/event-log.js';
import { parsePolicy } from '../../policy/policy-file.js';
import { latestMonitoring, monitor } from '../../usecases/monitoring.js';
import { applyPolicy, decide, unfreeze } from '../../usecases/policy.js';
import { route, team, type RouteSpec } from '../route.js';
import { ModelParam, modelWriteContext, visibleModelTeam } from './common.js';

const WindowKind = Type.Union([Type.Literal('week'), Type.Literal('request')]);

/** Monitoring, policy decisions and lifting a freeze, per model. */
export function monitoringRoutes(): RouteSpec[] {
  return [
    route({
      method: 'POST',
      url: '/api/v1/models/:model/monitoring',
      summary: "Computes and stores the model's per-window evidence as of a time (default now)",
      tag: 'monitoring',
      access: team('monitor'),
      schema: {
        params: ModelParam,
        body: Type.Object({ window: Type.Optional(WindowKind), asOf: Type.Optional(Type.String()) }, { additionalProperties: false }),
      },
      handler: async (req) => {
        const model = req.params.model!;
        const ctx = await modelWriteContext(req, model, 'monitor');
        const b = (req.body ?? {}) as { window?: 'week' | 'request'; asOf?: string };
        return monitor(ctx, { model, window: b.window ?? 'week', asOf: b.asOf });
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:model/monitoring',
      summary: "The model's latest stored monitoring run (every window's evidence)",
      tag: 'monitoring',
      access: team('read'),
      schema: { params: ModelParam },
      handler: async (req) => {
        const model = req.params.model!;
        await visibleModelTeam(req, model);
        return (await latestMonitoring(req.ctx, model)) ?? { asOf: null, window: null, windows: [] };
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/models/:model/decisions',
      summary: 'Monitors and decides from a policy (YAML text) and the evidence; apply: true also acts (freeze; retrain recipe)',
      tag: 'monitoring',
      access: team('decide'),
      schema: {
        params: ModelParam,
        body: Type.Object(
          {
            policy: Type.String({ minLength: 1 }),
            apply: Type.Optional(Type.Boolean()),
            window: Type.Optional(WindowKind),
            asOf: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const model = req.params.model!;
        const ctx = await modelWriteContext(req, model, 'decide');
        const b = req.body as { policy: string; apply?: boolean; window?: 'week' | 'request'; asOf?: string };
        const policy = parsePolicy(b.policy, 'policy');
        if (policy.model !== null && policy.model !== model) {
          throw new RotguardError('policy_model_mismatch', `the policy governs ${policy.model}, not ${model}`, { field: 'policy.model' });
        }
        if (b.apply) {
          const applied = await applyPolicy(ctx, { policy, model, window: b.window, asOf: b.asOf });
          return { decision: applied.decision, frozen: applied.frozen, recipe: applied.recipe };
        }
        return { decision: await decide(ctx, { policy, model, window: b.window, asOf: b.asOf }), frozen: false, recipe: null };
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:model/decisions',
      summary: "The model's decisions, freezes and unfreezes with their evidence, newest first",
      tag: 'monitoring',
      access: team('read'),
      schema: { params: ModelParam, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }) },
      handler: async (req) => {
        const model = req.params.model!;
        await visibleModelTeam(req, model);
        const rows = await readEvents(req.ctx.store.db, {
          model,
          kind: ['decision', 'frozen', 'unfrozen', 'retrain_by_decision', 'retrain_override'],
          newestFirst: true,
          limit: Number(req.query.limit ?? 100),
        });
        return rows.map((r) => {
          const e = decodeEvent(r);
          return { seq: e.seq, at: e.at, kind: e.kind, actor: e.actor, reason: e.reason, versionId: e.version_id, payload: e.payload };
        });
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/models/:model/unfreeze',
      summary: 'Lifts a freeze, with a reason (approver)',
      tag: 'monitoring',
      access: team('unfreeze'),
      schema: { params: ModelParam, body: Type.Object({ reason: Type.String({ minLength: 1 }) }, { additionalProperties: false }) },
      handler: async (req) => {
        const model = req.params.model!;
        const ctx = await modelWriteContext(req, model, 'unfreeze');
        await unfreeze(ctx, { model, reason: (req.body as { reason: string }).reason });
        return { model, frozen: false };
      },
    }),
  ];
}
