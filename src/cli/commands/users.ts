import { UsageError } from '../../core/errors.js';
import { ROLES } from '../../identity/roles.js';
import { revoke } from '../../usecases/identity.js';
import { emit, emitList, integerOption, parseCommand, str, type CommandIO } from '../options.js';
import { withBackend } from '../backend-choice.js';

export const usersHelp = `Usage: rotguard users add NAME --team TEAM --role ROLE [--service | --oidc] [--expires-days N]
       rotguard users grant NAME --team TEAM --role ROLE
       rotguard users revoke NAME --team TEAM --role ROLE
       rotguard users list
       rotguard tokens new NAME [--expires-days N]
       rotguard tokens revoke TOKEN_ID
       rotguard teams grant OWNER_TEAM --to GRANTEE_TEAM

Principals of a rotguard server, administered on the workspace itself (whoever can open
the store is its administrator; the first admin is made this way:
"rotguard users add alice --team '*' --role admin"), or through the server by an admin
(ROTGUARD_URL and ROTGUARD_TOKEN set: users add, grant and list, tokens new and revoke,
teams grant; the admin's identity is recorded).

Roles (granted per team; --team '*' for the whole organisation):
  viewer     read the team's models, predictions, monitoring, decisions
  scientist  + ingest assay files, predict, make dataset snapshots and features
  modeler    + build, monitor, decide by policy
  approver   + promote (never a version they built) and unfreeze
  steward    + shared standards: endpoints, protocols, gates
  admin      everything, including principals and tokens

"users add" prints a token once (rg_…); only its hash is stored. --service marks a
service account; --oidc a subject who signs in with the configured issuer's JWTs (no token).
"teams grant A --to B" lets team B read team A's models, predictions and decisions.
`;

export async function usersCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    team: { type: 'string' },
    role: { type: 'string' },
    service: { type: 'boolean', default: false },
    oidc: { type: 'boolean', default: false },
    'expires-days': { type: 'string' },
  });
  const [sub, name] = positionals;
  if (values.help || !sub) return (io.out(usersHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  if (sub === 'list') {
    return withBackend(io, str(values.workspace), async (b) => {
      const list = await b.principals();
      emitList(
        io,
        json,
        list,
        (p) =>
          `${p.name} (${p.kind})  ${p.roles.map((r) => `${r.role}@${r.team}`).join(', ') || 'no roles'}  tokens: ${
            p.tokens.map((t) => `${t.id}${t.revokedAt ? ' revoked' : t.expiresAt ? ` expires ${t.expiresAt.slice(0, 10)}` : ''}`).join(', ') || 'none'
          }`,
        'no principals yet: rotguard users add NAME --team TEAM --role ROLE',
      );
      return 0;
    });
  }
  if (!name) throw new UsageError(`users ${sub} needs a NAME\n\n${usersHelp}`);
  const team = str(values.team);
  const role = str(values.role);
  if (!team || !role) throw new UsageError(`users ${sub} needs --team and --role (${ROLES.join(', ')})`);
  return withBackend(io, str(values.workspace), async (b) => {
    if (sub === 'add') {
      if (values.service && values.oidc) throw new UsageError('--service and --oidc exclude each other');
      const expiresDays = values['expires-days'] === undefined ? undefined : integerOption('--expires-days', str(values['expires-days']), 90, 1, 3650);
      const added = await b.addUser({ name, kind: values.oidc ? 'oidc' : values.service ? 'service' : 'user', team, role, expiresDays });
      emit(
        io,
        json,
        added,
        `added ${added.principal} (${added.kind}) as ${role} in ${team}` +
          (added.token
            ? `\ntoken (shown once, keep it secret): ${added.token}\ntoken id: ${added.tokenId}${added.expiresAt ? `, expires ${added.expiresAt}` : ', no expiry'}`
            : ''),
      );
    } else if (sub === 'grant') {
      await b.grantRole({ principal: name, team, role });
      emit(io, json, { principal: name, team, role }, `granted ${role} in ${team} to ${name}`);
    } else if (sub === 'revoke') {
      await revoke(b.localContext('users revoke'), { principal: name, team, role });
      emit(io, json, { principal: name, team, role, revoked: true }, `revoked ${role} in ${team} from ${name}`);
    } else throw new UsageError(`unknown users subcommand "${sub}"\n\n${usersHelp}`);
    return 0;
  });
}

export async function tokensCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { 'expires-days': { type: 'string' } });
  const [sub, arg] = positionals;
  if (values.help || !sub) return (io.out(usersHelp), values.help ? 0 : 1);
  if (!arg) throw new UsageError(`tokens ${sub} needs ${sub === 'new' ? 'a principal NAME' : 'a TOKEN_ID'}`);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    if (sub === 'new') {
      const expiresDays = values['expires-days'] === undefined ? undefined : integerOption('--expires-days', str(values['expires-days']), 90, 1, 3650);
      const t = await b.newToken({ principal: arg, expiresDays });
      emit(io, json, { principal: arg, tokenId: t.id, token: t.token, expiresAt: t.expiresAt }, `token for ${arg} (shown once): ${t.token}\ntoken id: ${t.id}`);
    } else if (sub === 'revoke') {
      const r = await b.revokeToken(arg);
      emit(io, json, { revoked: arg, principal: r.principal }, `revoked token ${arg} of ${r.principal}`);
    } else throw new UsageError(`unknown tokens subcommand "${sub}"`);
    return 0;
  });
}

export async function teamsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { to: { type: 'string' } });
  const [sub, owner] = positionals;
  if (values.help || !sub) return (io.out(usersHelp), values.help ? 0 : 1);
  if (sub !== 'grant' || !owner || !str(values.to)) throw new UsageError('usage: rotguard teams grant OWNER_TEAM --to GRANTEE_TEAM');
  return withBackend(io, str(values.workspace), async (b) => {
    await b.grantTeam({ ownerTeam: owner, granteeTeam: str(values.to)! });
    emit(
      io,
      Boolean(values.json),
      { ownerTeam: owner, granteeTeam: str(values.to) },
      `team ${str(values.to)} may now read team ${owner}'s models, predictions and decisions`,
    );
    return 0;
  });
}

export const whoamiHelp = `Usage: rotguard whoami [--json]

Who the next command acts as. Through a server (ROTGUARD_URL): the identity of
ROTGUARD_TOKEN, its roles per team, the acting team (ROTGUARD_TEAM, or its only team) and
the teams whose objects it may read. On a workspace: ROTGUARD_USER or the OS user.
`;

export async function whoamiCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(args);
  if (values.help) return (io.out(whoamiHelp), 0);
  return withBackend(io, str(values.workspace), async (b) => {
    const me = await b.whoami();
    emit(
      io,
      Boolean(values.json),
      me,
      me.kind === 'local'
        ? `${me.principal} on the workspace ${me.location} (local mode: ROTGUARD_USER or the OS user; no roles are checked)`
        : `${me.principal} (${me.kind}) on ${me.location}\n  roles: ${me.roles.map((r) => `${r.role}@${r.team}`).join(', ') || 'none'}\n` +
            `  acting for team: ${me.actingTeam ?? 'none (set ROTGUARD_TEAM)'}\n  may read teams: ${me.visibleTeams.join(', ') || 'none'}`,
    );
    return 0;
  });
}
