import { Type } from '@sinclair/typebox';
import { RotguardError } from '../../core/errors.js';
import { addUser, grant, grantTeam, newToken, principals, revokeApiToken } from '../../usecases/identity.js';
import { ROLES } from '../../identity/roles.js';
import { AUTHENTICATED, organisation, route, type RouteSpec } from '../route.js';

/** Who am I, and the administration of principals, tokens and team grants (admin role). */
export function identityRoutes(): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/me',
      summary: 'The authenticated identity, its roles, acting team and visible teams',
      tag: 'identity',
      access: AUTHENTICATED,
      schema: {},
      handler: async (req) => ({
        principal: req.identity!.principal,
        kind: req.identity!.kind,
        roles: req.identity!.grants,
        actingTeam: req.actingTeam,
        visibleTeams: req.visibleTeams,
      }),
    }),
    route({
      method: 'GET',
      url: '/api/v1/admin/principals',
      summary: 'Principals with their roles and tokens (ids only)',
      tag: 'admin',
      access: organisation('admin'),
      schema: {},
      handler: async (req) => principals(req.ctx),
    }),
    route({
      method: 'POST',
      url: '/api/v1/admin/principals',
      summary: 'Adds a user or service account with a role in a team, and issues its first token (shown once)',
      tag: 'admin',
      access: organisation('admin'),
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 64 }),
            kind: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('service'), Type.Literal('oidc')])),
            team: Type.String({ minLength: 1, maxLength: 64 }),
            role: Type.Union(ROLES.map((r) => Type.Literal(r))),
            expiresDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as { name: string; kind?: 'user' | 'service' | 'oidc'; team: string; role: string; expiresDays?: number };
        return addUser(req.ctx, { ...b, kind: b.kind ?? 'user' });
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/admin/roles',
      summary: 'Grants a principal a role in a team',
      tag: 'admin',
      access: organisation('admin'),
      schema: {
        body: Type.Object(
          { principal: Type.String({ minLength: 1 }), team: Type.String({ minLength: 1 }), role: Type.Union(ROLES.map((r) => Type.Literal(r))) },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as { principal: string; team: string; role: string };
        await grant(req.ctx, b);
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/admin/tokens',
      summary: 'Issues a new token for a principal (shown once)',
      tag: 'admin',
      access: organisation('admin'),
      schema: {
        body: Type.Object(
          { principal: Type.String({ minLength: 1 }), expiresDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) },
          { additionalProperties: false },
        ),
      },
      handler: async (req) => {
        const b = req.body as { principal: string; expiresDays?: number };
        const t = await newToken(req.ctx, b);
        return { principal: b.principal, tokenId: t.id, token: t.token, expiresAt: t.expiresAt };
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/v1/admin/tokens/:id',
      summary: 'Revokes a token',
      tag: 'admin',
      access: organisation('admin'),
      schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) }) },
      handler: async (req) => {
        const r = await revokeApiToken(req.ctx, req.params.id!);
        return { revoked: req.params.id, principal: r.principal };
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/admin/team-grants',
      summary: "Lets a team read another team's models, predictions, monitoring and decisions",
      tag: 'admin',
      access: organisation('admin'),
      schema: {
        body: Type.Object({ ownerTeam: Type.String({ minLength: 1 }), granteeTeam: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      },
      handler: async (req) => {
        const b = req.body as { ownerTeam: string; granteeTeam: string };
        if (b.ownerTeam === b.granteeTeam) throw new RotguardError('usage', 'a team always sees its own objects');
        await grantTeam(req.ctx, b);
        return { ok: true };
      },
    }),
  ];
}
