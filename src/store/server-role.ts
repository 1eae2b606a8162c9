/**
 * `rotguard admin server-role NAME`: gives the login role a server connects with (created
 * by the DBA: `CREATE ROLE rotguard_server LOGIN PASSWORD '…'`) exactly the privileges it
 * needs on the store's tables, and nothing else. Run as the tables' owner.
 *
 * - team-owned and shared tables: SELECT, INSERT, UPDATE, DELETE (row-level security then
 *   limits it to its acting team's rows; store/row-security.ts);
 * - events and blobs: SELECT, INSERT (append-only, content addressed);
 * - Kysely's migration tables: SELECT (the server checks the database is up to date; only
 *   `rotguard admin migrate`, as the owner, changes them);
 * - sequences: USAGE, SELECT; `rotguard_event_head()`: EXECUTE.
 *
 * Privileges it had before on these tables are revoked first, so running it again leaves
 * exactly this set. It refuses a role that could get around row-level security: a
 * superuser, a role with BYPASSRLS, the owner itself or a member of the owner role, or a
 * role that owns a table in the schema.
 */
import { sql, type Kysely } from 'kysely';
import { RotguardError } from '../core/errors.js';
import { quoteIdent } from './row-security.js';
import type { Database } from './schema.js';

// event_checkpoints (issue 18): a server records checkpoints, never rewrites one (a rewrite would fail its MAC anyway).
const APPEND_ONLY = new Set(['events', 'blobs', 'event_checkpoints']);
const READ_ONLY = new Set(['kysely_migration', 'kysely_migration_lock']);

export interface ServerRoleGrant {
  role: string;
  schema: string;
  /** Table → the privileges granted on it. */
  tables: Record<string, string[]>;
  sequences: string[];
}

export async function grantServerRole(db: Kysely<Database>, role: string): Promise<ServerRoleGrant> {
  const { rows: found } = await sql<{
    rolsuper: boolean;
    rolbypassrls: boolean;
    rolcanlogin: boolean;
    is_owner: boolean;
    member_of_owner: boolean;
    schema: string;
  }>`select r.rolsuper, r.rolbypassrls, r.rolcanlogin, r.rolname = current_user as is_owner,
            pg_has_role(r.oid, current_user, 'MEMBER') as member_of_owner, current_schema() as schema
       from pg_roles r where r.rolname = ${role}`.execute(db);
  const r = found[0];
  if (!r)
    throw new RotguardError(
      'unknown_role',
      `there is no PostgreSQL role "${role}"; a DBA creates it first: CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '…'`,
      { field: 'role' },
    );
  const unsafe = r.rolsuper
    ? 'is a superuser'
    : r.rolbypassrls
      ? 'has BYPASSRLS'
      : r.is_owner
        ? 'is the role that owns the tables (this command runs as it)'
        : r.member_of_owner
          ? 'is a member of the role that owns the tables'
          : null;
  if (unsafe)
    throw new RotguardError('server_role_unsafe', `role "${role}" ${unsafe}: row-level security would not bind it; use a plain LOGIN role`, { field: 'role' });
  const schema = r.schema;
  const { rows: owned } = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = ${schema} and tableowner = ${role}`.execute(db);
  if (owned.length)
    throw new RotguardError(
      'server_role_unsafe',
      `role "${role}" owns ${owned.map((t) => t.tablename).join(', ')}: an owner can switch row-level security off; use a role that owns nothing`,
      {
        field: 'role',
      },
    );
  const { rows: tables } = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = ${schema} order by tablename`.execute(db);
  const { rows: sequences } = await sql<{
    name: string;
  }>`select sequence_name as name from information_schema.sequences where sequence_schema = ${schema} order by 1`.execute(db);
  const who = quoteIdent(role);
  const where = quoteIdent(schema);
  const granted: Record<string, string[]> = {};
  await db.transaction().execute(async (trx) => {
    const exec = (text: string) => sql.raw(text).execute(trx);
    await exec(`revoke all on all tables in schema ${where} from ${who}`);
    await exec(`revoke all on all sequences in schema ${where} from ${who}`);
    await exec(`grant usage on schema ${where} to ${who}`);
    for (const { tablename } of tables) {
      const privileges = READ_ONLY.has(tablename) ? ['select'] : APPEND_ONLY.has(tablename) ? ['select', 'insert'] : ['select', 'insert', 'update', 'delete'];
      await exec(`grant ${privileges.join(', ')} on ${where}.${quoteIdent(tablename)} to ${who}`);
      granted[tablename] = privileges;
    }
    for (const { name } of sequences) await exec(`grant usage, select on sequence ${where}.${quoteIdent(name)} to ${who}`);
    await exec(`grant execute on function ${where}.rotguard_event_head() to ${who}`);
  });
  return { role, schema, tables: granted, sequences: sequences.map((s) => s.name) };
}
