import { addPrincipal, grantRole, grantTeamRead, issueToken, listPrincipals, revokeRole, revokeToken, type PrincipalKind } from '../identity/principals.js';
import { inContext, type Context } from './context.js';

/** Identity administration for a server: principals, roles, tokens, team read grants; ctx.actor is the admin. */

const DAY_MS = 86_400_000;

export interface AddedUser {
  principal: string;
  kind: PrincipalKind;
  team: string;
  role: string;
  /** The token, shown once (null for an OpenID Connect subject, which signs in with its issuer's tokens). */
  token: string | null;
  tokenId: string | null;
  expiresAt: string | null;
}

/** Adds a principal with a role in a team and, unless it signs in through OpenID Connect, issues its first token. */
export function addUser(ctx: Context, o: { name: string; kind: PrincipalKind; team: string; role: string; expiresDays?: number }): Promise<AddedUser> {
  return inContext(ctx, async () => {
    await addPrincipal(ctx.store, { name: o.name, kind: o.kind, actor: ctx.actor });
    await grantRole(ctx.store, { principal: o.name, team: o.team, role: o.role, actor: ctx.actor });
    const base = { principal: o.name, kind: o.kind, team: o.team, role: o.role };
    if (o.kind === 'oidc') return { ...base, token: null, tokenId: null, expiresAt: null };
    const t = await issueToken(ctx.store, { principal: o.name, actor: ctx.actor, expiresAt: expiryOf(ctx, o.expiresDays) });
    return { ...base, token: t.token, tokenId: t.id, expiresAt: t.expiresAt };
  });
}

export function newToken(ctx: Context, o: { principal: string; expiresDays?: number }) {
  return inContext(ctx, () => issueToken(ctx.store, { principal: o.principal, actor: ctx.actor, expiresAt: expiryOf(ctx, o.expiresDays) }));
}

export function revokeApiToken(ctx: Context, id: string) {
  return inContext(ctx, () => revokeToken(ctx.store, { id, actor: ctx.actor }));
}

export function grant(ctx: Context, o: { principal: string; team: string; role: string }) {
  return inContext(ctx, () => grantRole(ctx.store, { ...o, actor: ctx.actor }));
}

export function revoke(ctx: Context, o: { principal: string; team: string; role: string }) {
  return inContext(ctx, () => revokeRole(ctx.store, { ...o, actor: ctx.actor }));
}

export function grantTeam(ctx: Context, o: { ownerTeam: string; granteeTeam: string }) {
  return inContext(ctx, () => grantTeamRead(ctx.store, { ...o, actor: ctx.actor }));
}

export function principals(ctx: Context) {
  return inContext(ctx, () => listPrincipals(ctx.store));
}

function expiryOf(ctx: Context, days: number | undefined): string | null {
  return days ? new Date(ctx.clock.nowMs() + days * DAY_MS).toISOString() : null;
}
