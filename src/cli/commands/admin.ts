import { UsageError } from '../../core/errors.js';
import { grantServerPrivileges, migrateDatabase } from '../../usecases/workspace.js';
import { emit, parseCommand as parse, str, type CommandIO } from '../options.js';
import { databaseUrl, findWorkspace, printableDatabaseUrl } from '../workspace.js';

export const adminHelp = `Usage:
  rotguard admin migrate [--workspace DIR] [--blobs DIR] [--json]
  rotguard admin server-role NAME [--json]

migrate      applies the store's pending migrations. With ROTGUARD_DATABASE_URL it is the
             only command that migrates PostgreSQL: run it as the role that owns the tables
             (no workspace needed). Without it, migrates the workspace's embedded store
             (what "rotguard init" does too). --blobs DIR then copies a blob folder (a
             workspace's .rotguard/blobs or a shared ROTGUARD_BLOB_DIR) into the
             database, checking every file against its hash (exit 3 if one is corrupt).
             Without it, blobs a workspace stored as files stay readable from there.
server-role  PostgreSQL, as the tables' owner: grants the LOGIN role NAME (created by a DBA:
             CREATE ROLE NAME LOGIN PASSWORD '…') the privileges "rotguard serve" needs on
             every table and sequence, and nothing else. Row-level security then limits it
             to its acting team's rows. Refuses a superuser, a BYPASSRLS role, the owner or a
             member of it, and a role that owns a table. Running it again is safe.
`;

export async function adminCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, { blobs: { type: 'string' } });
  const [sub, name] = positionals;
  if (values.help || !sub) return (io.out(adminHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  const url = databaseUrl();
  if (sub === 'migrate') {
    const workspace = url ? undefined : findWorkspace(str(values.workspace));
    const r = await migrateDatabase({ workspace, databaseUrl: url, blobs: str(values.blobs) });
    const copied = r.blobs
      ? `\nblobs from ${str(values.blobs)}: ${r.blobs.copied} copied, ${r.blobs.present} already there${r.blobs.corrupt.length ? `, ${r.blobs.corrupt.length} CORRUPT (not copied; restore them from a backup): ${r.blobs.corrupt.join(', ')}` : ''}`
      : '';
    emit(io, json, r, (r.applied.length ? `applied ${r.applied.join(', ')} to ${r.location}` : `${r.location} is up to date`) + copied);
    // A corrupt blob is a failed check (exit 3), as everywhere else.
    return r.blobs?.corrupt.length ? 3 : 0;
  }
  if (sub === 'server-role') {
    if (!name) throw new UsageError(`admin server-role needs the role's NAME\n\n${adminHelp}`);
    const r = await grantServerPrivileges({ databaseUrl: url, role: name });
    emit(
      io,
      json,
      r,
      `granted ${name} on ${printableDatabaseUrl()} (schema ${r.schema}):\n${Object.entries(r.tables)
        .map(([t, p]) => `  ${t.padEnd(24)} ${p.join(', ')}`)
        .join('\n')}${r.sequences.length ? `\n  sequences: ${r.sequences.join(', ')}` : ''}\n  function rotguard_event_head(): execute`,
    );
    return 0;
  }
  throw new UsageError(`unknown admin subcommand "${sub}"\n\n${adminHelp}`);
}
