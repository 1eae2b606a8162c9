import { hashTokenSecret, newApiToken, parseApiToken, secretMatches } from '../core/api-token.js';
import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { appendEvent } from '../store/event-log.js';
import { inTransaction, type Store } from '../store/store.js';
import { ANY_TEAM, isRole, type Role, type RoleGrant } from './roles.js';

/**
 * Principals (users, service accounts, OpenID Connect subjects), their API tokens and
 * role grants. Every change is an event; no event, log line or error carries a token
 * secret or its hash, only the token's public id.
 */

export type PrincipalKind = 'user' | 'service' | 'oidc';

export interface Identity {
  principal: string;
  kind: PrincipalKind;
  grants: RoleGrant[];
  /** The token that authenticated this request (its public id), or null for OIDC. */
  tokenId: string | null;
}

const NAME_RE = /^[a-z0-9][a-z0-9._@-]{0,63}$/i;
const TEAM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function checkPrincipalName(name: string): string {
  if (!NAME_RE.test(name)) throw new RotguardError('bad_name', `principal name "${name}": letters, digits, . _ @ - (at most 64)`, { field: 'name' });
  return name;
}

export function checkTeamName(team: string, field = 'team'): string {
  if (team !== ANY_TEAM && !TEAM_RE.test(team))
    throw new RotguardError('bad_name', `team "${team}": lower-case letters, digits, _ and - (or * for the organisation)`, { field });
  return team;
}

function checkRole(role: string): Role {
  if (!isRole(role))
    throw new RotguardError('bad_name', `unknown role "${role}"; roles are viewer, scientist, modeler, approver, steward, admin`, { field: 'role' });
  return role;
}

/** Adds a principal (refused when the name exists). */
export async function addPrincipal(store: Store, o: { name: string; kind: PrincipalKind; actor: string }): Promise<void> {
  checkPrincipalName(o.name);
  await inTransaction(store, async (trx) => {
    const existing = await trx.selectFrom('principals').select('name').where('name', '=', o.name).executeTakeFirst();
    if (existing) throw new RotguardError('principal_exists', `principal ${o.name} exists; grant it a role or issue it a token instead`, { field: 'name' });
    await trx.insertInto('principals').values({ name: o.name, kind: o.kind, created_at: nowIso(), created_by: o.actor, disabled_at: null }).execute();
    await appendEvent(trx, { kind: 'principal_added', subject: `principal:${o.name}`, actor: o.actor, payload: { name: o.name, kind: o.kind } });
  });
}

export async function principalExists(store: Store, name: string): Promise<boolean> {
  return Boolean(await store.db.selectFrom('principals').select('name').where('name', '=', name).executeTakeFirst());
}

/** Grants a role in a team (granting it again is a no-op). */
export async function grantRole(store: Store, o: { principal: string; team: string; role: string; actor: string }): Promise<void> {
  const role = checkRole(o.role);
  checkTeamName(o.team);
  await inTransaction(store, async (trx) => {
    const p = await trx.selectFrom('principals').select('name').where('name', '=', o.principal).executeTakeFirst();
    if (!p) throw new RotguardError('unknown_principal', `no principal ${o.principal}; add it first`, { field: 'principal' });
    const had = await trx
      .selectFrom('role_grants')
      .select('role')
      .where('principal', '=', o.principal)
      .where('team', '=', o.team)
      .where('role', '=', role)
      .executeTakeFirst();
    if (had) return;
    await trx.insertInto('role_grants').values({ principal: o.principal, team: o.team, role, granted_at: nowIso(), granted_by: o.actor }).execute();
    await appendEvent(trx, {
      kind: 'role_granted',
      subject: `principal:${o.principal}`,
      actor: o.actor,
      payload: { principal: o.principal, team: o.team, role },
    });
  });
}

export async function revokeRole(store: Store, o: { principal: string; team: string; role: string; actor: string }): Promise<void> {
  const role = checkRole(o.role);
  await inTransaction(store, async (trx) => {
    const r = await trx.deleteFrom('role_grants').where('principal', '=', o.principal).where('team', '=', o.team).where('role', '=', role).executeTakeFirst();
    if (!Number(r.numDeletedRows)) throw new RotguardError('unknown_principal', `${o.principal} has no ${role} role in ${o.team}`, { field: 'role' });
    await appendEvent(trx, {
      kind: 'role_revoked',
      subject: `principal:${o.principal}`,
      actor: o.actor,
      payload: { principal: o.principal, team: o.team, role },
    });
  });
}

/** Lets the grantee team read the owner team's objects (models, predictions, monitoring, decisions). */
export async function grantTeamRead(store: Store, o: { ownerTeam: string; granteeTeam: string; actor: string }): Promise<void> {
  checkTeamName(o.ownerTeam, 'owner');
  checkTeamName(o.granteeTeam, 'grantee');
  await inTransaction(store, async (trx) => {
    const had = await trx
      .selectFrom('team_grants')
      .select('owner_team')
      .where('owner_team', '=', o.ownerTeam)
      .where('grantee_team', '=', o.granteeTeam)
      .executeTakeFirst();
    if (had) return;
    await trx.insertInto('team_grants').values({ owner_team: o.ownerTeam, grantee_team: o.granteeTeam, granted_at: nowIso(), granted_by: o.actor }).execute();
    await appendEvent(trx, {
      kind: 'team_granted',
      subject: `team:${o.ownerTeam}`,
      actor: o.actor,
      payload: { ownerTeam: o.ownerTeam, granteeTeam: o.granteeTeam },
    });
  });
}

/** The teams whose objects `team` may read: itself and every team that granted it. */
export async function visibleTeams(store: Store, team: string): Promise<string[]> {
  const rows = await store.db.selectFrom('team_grants').select('owner_team').where('grantee_team', '=', team).execute();
  return [
    team,
    ...rows
      .map((r) => r.owner_team)
      .filter((t) => t !== team)
      .sort(),
  ];
}

export async function grantsOf(store: Store, principal: string): Promise<RoleGrant[]> {
  const rows = await store.db.selectFrom('role_grants').select(['team', 'role']).where('principal', '=', principal).orderBy('team').orderBy('role').execute();
  return rows.filter((r) => isRole(r.role)).map((r) => ({ team: r.team, role: r.role as Role }));
}

/** Issues a token for a principal; the token string is returned once and never stored. */
export async function issueToken(
  store: Store,
  o: { principal: string; actor: string; expiresAt: string | null },
): Promise<{ id: string; token: string; expiresAt: string | null }> {
  const t = newApiToken();
  await inTransaction(store, async (trx) => {
    const p = await trx.selectFrom('principals').select('name').where('name', '=', o.principal).executeTakeFirst();
    if (!p) throw new RotguardError('unknown_principal', `no principal ${o.principal}; add it first`, { field: 'principal' });
    await trx
      .insertInto('api_tokens')
      .values({
        id: t.id,
        principal: o.principal,
        token_hash: hashTokenSecret(t.secret),
        created_at: nowIso(),
        created_by: o.actor,
        expires_at: o.expiresAt,
        revoked_at: null,
        revoked_by: null,
        last_used_at: null,
      })
      .execute();
    await appendEvent(trx, {
      kind: 'token_issued',
      subject: `principal:${o.principal}`,
      actor: o.actor,
      payload: { principal: o.principal, token: t.id, expiresAt: o.expiresAt },
    });
  });
  return { id: t.id, token: t.token, expiresAt: o.expiresAt };
}

export async function revokeToken(store: Store, o: { id: string; actor: string }): Promise<{ principal: string }> {
  return inTransaction(store, async (trx) => {
    const row = await trx.selectFrom('api_tokens').select(['principal', 'revoked_at']).where('id', '=', o.id).executeTakeFirst();
    if (!row) throw new RotguardError('unknown_token', `no token ${o.id}`, { field: 'id' });
    if (row.revoked_at) return { principal: row.principal };
    await trx.updateTable('api_tokens').set({ revoked_at: nowIso(), revoked_by: o.actor }).where('id', '=', o.id).execute();
    await appendEvent(trx, {
      kind: 'token_revoked',
      subject: `principal:${row.principal}`,
      actor: o.actor,
      payload: { principal: row.principal, token: o.id },
    });
    return { principal: row.principal };
  });
}

export async function listPrincipals(store: Store) {
  const principals = await store.db.selectFrom('principals').selectAll().orderBy('name').execute();
  const grants = await store.db.selectFrom('role_grants').select(['principal', 'team', 'role']).execute();
  const tokens = await store.db.selectFrom('api_tokens').select(['id', 'principal', 'created_at', 'expires_at', 'revoked_at', 'last_used_at']).execute();
  return principals.map((p) => ({
    name: p.name,
    kind: p.kind,
    createdAt: p.created_at,
    disabledAt: p.disabled_at,
    roles: grants.filter((g) => g.principal === p.name).map((g) => ({ team: g.team, role: g.role })),
    tokens: tokens
      .filter((t) => t.principal === p.name)
      .map((t) => ({ id: t.id, createdAt: t.created_at, expiresAt: t.expires_at, revokedAt: t.revoked_at, lastUsedAt: t.last_used_at })),
  }));
}

/**
 * The identity behind an API token, or an error that says why not (unknown, malformed,
 * revoked, expired, disabled). The message never repeats the token.
 */
export async function authenticateToken(store: Store, token: string, now: string = nowIso()): Promise<Identity> {
  const parsed = parseApiToken(token);
  if (!parsed) throw new RotguardError('unauthenticated', 'the bearer token is not a rotguard API token');
  const row = await store.db
    .selectFrom('api_tokens')
    .innerJoin('principals', 'principals.name', 'api_tokens.principal')
    .select([
      'api_tokens.principal',
      'api_tokens.token_hash',
      'api_tokens.expires_at',
      'api_tokens.revoked_at',
      'api_tokens.last_used_at',
      'principals.kind',
      'principals.disabled_at',
    ])
    .where('api_tokens.id', '=', parsed.id)
    .executeTakeFirst();
  // Same answer, word for word, for an unknown id and a wrong secret: nothing to learn by guessing ids.
  if (!row || !secretMatches(parsed.secret, row.token_hash)) throw new RotguardError('unauthenticated', 'the API token is not valid');
  if (row.revoked_at) throw new RotguardError('token_revoked', `token ${parsed.id} was revoked at ${row.revoked_at}`);
  if (row.expires_at && row.expires_at <= now) throw new RotguardError('token_expired', `token ${parsed.id} expired at ${row.expires_at}`);
  if (row.disabled_at) throw new RotguardError('unauthenticated', `principal ${row.principal} is disabled`);
  // Last use to the minute: a write per request would turn every read into a write.
  if (!row.last_used_at || Date.parse(now) - Date.parse(row.last_used_at) > 60_000) {
    await store.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', parsed.id).execute();
  }
  return { principal: row.principal, kind: row.kind as PrincipalKind, grants: await grantsOf(store, row.principal), tokenId: parsed.id };
}

/** The identity of an OpenID Connect subject whose token a verifier accepted: it must be a registered principal. */
export async function identityOfSubject(store: Store, name: string): Promise<Identity> {
  const row = await store.db.selectFrom('principals').select(['name', 'kind', 'disabled_at']).where('name', '=', name).executeTakeFirst();
  if (!row || row.disabled_at)
    throw new RotguardError(
      'unauthenticated',
      `OpenID Connect subject ${name} is not a principal of this server; an admin adds it with "rotguard users add ${name} --oidc"`,
    );
  return { principal: row.name, kind: row.kind as PrincipalKind, grants: await grantsOf(store, row.name), tokenId: null };
}
