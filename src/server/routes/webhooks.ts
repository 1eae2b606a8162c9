import { Type } from '@sinclair/typebox';
import { RotguardError } from '../../core/errors.js';
import { allows, ANY_TEAM } from '../../identity/roles.js';
import { addWebhook, listWebhooks, removeWebhook, webhookDeliveries } from '../../usecases/webhooks.js';
import { requireActingTeam, type ApiRequest } from '../request-scope.js';
import { route, team, type RouteSpec } from '../route.js';

/**
 * Webhooks of the acting team (a team admin's), or organisation-wide ones (an organisation
 * admin's): registry transitions and decisions pushed to subscribers, signed.
 */
export function webhookRoutes(): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/admin/webhooks',
      summary: "The acting team's webhooks (and, for an organisation admin, the organisation-wide ones)",
      tag: 'admin',
      access: team('admin'),
      schema: {},
      handler: async (req) => {
        const own = await listWebhooks(req.ctx, { team: requireActingTeam(req) });
        return orgAdmin(req) ? [...own, ...(await listWebhooks(req.ctx, { team: null }))] : own;
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/admin/webhooks',
      summary: "Adds a webhook for the acting team's events (orgWide: every team's, organisation admin); a generated secret is returned once",
      tag: 'admin',
      access: team('admin'),
      schema: {
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2000 }),
            kinds: Type.Union([Type.Literal('*'), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })]),
            orgWide: Type.Optional(Type.Boolean()),
            secret: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as { url: string; kinds: '*' | string[]; orgWide?: boolean; secret?: string };
        if (b.orgWide && !orgAdmin(req))
          throw new RotguardError('forbidden', 'an organisation-wide webhook needs the admin role for the organisation (team *)');
        return addWebhook(req.ctx, { url: b.url, team: b.orgWide ? null : requireActingTeam(req), kinds: b.kinds, secret: b.secret });
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/v1/admin/webhooks/:id',
      summary: 'Removes a webhook of the acting team (or an organisation-wide one, organisation admin)',
      tag: 'admin',
      access: team('admin'),
      schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }) },
      handler: async (req) => {
        await ownWebhook(req, req.params.id!);
        return removeWebhook(req.ctx, req.params.id!);
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/admin/webhooks/:id/deliveries',
      summary: "A webhook's deliveries: attempts, status, dead letters",
      tag: 'admin',
      access: team('admin'),
      schema: {
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      },
      handler: async (req) => {
        await ownWebhook(req, req.params.id!);
        return webhookDeliveries(req.ctx, req.params.id!, { limit: req.query.limit === undefined ? undefined : Number(req.query.limit) });
      },
    }),
  ];
}

function orgAdmin(req: ApiRequest): boolean {
  return Boolean(req.identity && allows(req.identity.grants, ANY_TEAM, 'admin'));
}

/** A webhook of another team answers like one that does not exist. */
async function ownWebhook(req: ApiRequest, id: string): Promise<void> {
  const row = await req.ctx.store.db.selectFrom('webhooks').select(['team']).where('id', '=', id).executeTakeFirst();
  const mine = row && (row.team === null ? orgAdmin(req) : row.team === req.actingTeam);
  if (!mine) throw new RotguardError('unknown_webhook', `no webhook ${id}`, { field: 'id' });
}
