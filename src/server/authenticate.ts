import { RotguardError } from '../core/errors.js';
import { authenticateToken, identityOfSubject, type Identity } from '../identity/principals.js';
import { looksLikeJwt, type OidcVerifier } from '../identity/oidc.js';
import { ANY_TEAM } from '../identity/roles.js';
import type { Store } from '../store/store.js';

/** The identity behind an Authorization header: a rotguard API token, or an OpenID Connect JWT when a verifier is configured. */
export async function identify(store: Store, header: string | undefined, oidc: OidcVerifier | null): Promise<Identity> {
  if (!header) throw new RotguardError('unauthenticated', 'no Authorization header: send "Authorization: Bearer <token>"');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new RotguardError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
  const token = m[1]!;
  if (token.startsWith('rg_')) return authenticateToken(store, token);
  if (oidc && looksLikeJwt(token)) return identityOfSubject(store, oidc.verify(token));
  throw new RotguardError(
    'unauthenticated',
    oidc ? 'the bearer token is neither a rotguard API token nor a valid JWT' : 'the bearer token is not a rotguard API token',
  );
}

/**
 * The team a request acts for: the X-Rotguard-Team header (the identity needs a role there,
 * or an organisation-wide one), else the identity's only team, else none (reads of shared
 * standards still work; team actions answer 403 no_acting_team).
 */
export function actingTeamOf(identity: Identity, header: string | undefined): string | null {
  const teams = [...new Set(identity.grants.map((g) => g.team).filter((t) => t !== ANY_TEAM))];
  if (header !== undefined && header !== '') {
    const wanted = header.trim();
    // `*` names the organisation in a grant, never a team that could own data.
    if (wanted === ANY_TEAM) throw new RotguardError('forbidden', 'X-Rotguard-Team must name a team; "*" only grants organisation-wide roles');
    if (!teams.includes(wanted) && !identity.grants.some((g) => g.team === ANY_TEAM)) {
      throw new RotguardError('forbidden', `${identity.principal} has no role in team ${wanted}`);
    }
    return wanted;
  }
  return teams.length === 1 ? teams[0]! : null;
}
