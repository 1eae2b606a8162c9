import { RotguardError } from '../core/errors.js';
import type { Identity } from '../identity/principals.js';
import { allows, type Permission } from '../identity/roles.js';
import type { Context } from '../usecases/context.js';

/**
 * What a route handler gets: the use-case context of the authenticated identity (actor =
 * the principal, team = the acting team, store scoped to that team), the teams whose
 * objects it may read, and the checks every handler applies to the rows it touches.
 */
export interface ApiRequest {
  ctx: Context;
  /** Null only on public routes. */
  identity: Identity | null;
  actingTeam: string | null;
  /** The acting team and every team that granted it read access. */
  visibleTeams: string[];
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** Raw headers (never logged). */
  headers: Record<string, string | string[] | undefined>;
  signal: AbortSignal;
}

/**
 * A row of another team: hidden (404, the same answer as a row that does not exist) unless
 * that team granted read access. `notFound` builds the error the use case would raise.
 */
export function assertVisible(req: ApiRequest, team: string, notFound: () => RotguardError): void {
  if (!req.visibleTeams.includes(team)) throw notFound();
}

/** A write to a row of `team`: the row must be visible (else 404) and the identity needs the permission in that team (else 403). */
export function assertCanWrite(req: ApiRequest, team: string, permission: Permission, notFound: () => RotguardError): void {
  assertVisible(req, team, notFound);
  if (!req.identity || !allows(req.identity.grants, team, permission)) {
    throw new RotguardError('forbidden', `${req.identity?.principal ?? 'anonymous'} has no role allowing ${permission} in team ${team}`);
  }
}

/** A write that names its team (a mapping, a recipe): it must be the acting team. */
export function assertActingTeam(req: ApiRequest, team: string, field: string): void {
  if (team !== req.actingTeam) {
    throw new RotguardError(
      'team_mismatch',
      `${field} is ${team}, but you act for team ${req.actingTeam ?? '(none)'}; send X-Rotguard-Team: ${team} if you have a role there`,
      {
        field,
      },
    );
  }
}

export function requireActingTeam(req: ApiRequest): string {
  if (!req.actingTeam) throw new RotguardError('no_acting_team', 'this action needs a team: send the X-Rotguard-Team header');
  return req.actingTeam;
}
