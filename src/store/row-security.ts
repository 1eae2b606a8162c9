/**
 * Row-level security on PostgreSQL (migration 0010_tenancy): which tables are team-owned,
 * the policies that scope them to the acting team, and the one function that reads past
 * them (the event log's head).
 *
 * A connection acts for the team in its `rotguard.team` setting (store/tenant.ts sets it on
 * every connection it hands out). It sees the rows of that team and of every team that
 * granted it read access (`team_grants`), and writes only its own team's rows. Tables are
 * FORCEd, so their owner is scoped too whenever it sets a team; the owner sees everything
 * only when no team is set (an administrator at the console, `rotguard admin migrate`,
 * the local CLI). Any other role that sets no team sees no team-owned row at all.
 * Shared standards (endpoints, protocols, gates, compounds, feature sets, the feature
 * cache, teams) have no policy: every role with privileges reads them.
 */
import { sql, type Kysely } from 'kysely';

/** Tables whose every row belongs to one team (column `team`). */
export const TEAM_TABLES = [
  'sources',
  'measurements',
  'compound_aliases',
  'snapshots',
  'builds',
  'model_versions',
  'model_aliases',
  'predictions',
  'window_evidence',
  'jobs',
  'budgets',
] as const;

/** The session setting that names a connection's acting team. */
export const TEAM_SETTING = 'rotguard.team';

const current = `current_setting('${TEAM_SETTING}', true)`;
/** The contract's predicate: the row's team is the acting team, or a team that granted it read access. */
const visible = (table: string) =>
  `(${table}.team = ${current} or exists (select 1 from team_grants g where g.owner_team = ${table}.team and g.grantee_team = ${current}))`;
const own = (table: string) => `(${table}.team = ${current})`;
/** No team set on this connection: only the owner's administrative sessions. */
const unscoped = `(coalesce(${current}, '') = '')`;

/** Enables and forces row-level security with the team policies (PostgreSQL only; run by the tables' owner). */
export async function enableRowSecurity(db: Kysely<unknown>): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  // The administrator's policies name the tables' owner, not whoever runs the migration (a
  // superuser running it would otherwise leave the owner unable to see its own tables).
  const { rows: owners } = await sql<{
    owner: string;
  }>`select tableowner as owner from pg_tables where schemaname = current_schema() and tablename = 'events'`.execute(db);
  const owner = quoteIdent(owners[0]!.owner);
  for (const t of TEAM_TABLES) {
    await run(`alter table ${t} enable row level security`);
    await run(`alter table ${t} force row level security`);
    // Read: own and granted teams. Write: own team only (a grant is read access), and an
    // update cannot move a row to another team.
    await run(`create policy rotguard_team_read on ${t} for select using ${visible(t)}`);
    await run(`create policy rotguard_team_insert on ${t} for insert with check ${own(t)}`);
    await run(`create policy rotguard_team_update on ${t} for update using ${own(t)} with check ${own(t)}`);
    await run(`create policy rotguard_team_delete on ${t} for delete using ${own(t)}`);
    await run(`create policy rotguard_owner_unscoped on ${t} for all to ${owner} using ${unscoped} with check ${unscoped}`);
  }
  // Events: a null team is a shared-standard event every team reads. Nobody updates or
  // deletes an event (the append-only trigger refuses it anyway).
  await run('alter table events enable row level security');
  await run('alter table events force row level security');
  await run(`create policy rotguard_team_read on events for select using (events.team is null or ${visible('events')})`);
  await run(`create policy rotguard_team_insert on events for insert with check (events.team is null or ${own('events')})`);
  await run(`create policy rotguard_owner_unscoped on events for all to ${owner} using ${unscoped} with check ${unscoped}`);
  // The head of the whole log, for appends from a team-scoped connection. A SECURITY
  // DEFINER function runs as the owner; it clears the team for its one query (so the
  // owner's unscoped policy shows every event), then puts the caller's team back, and
  // returns only the last seq and hash. (A function's own `SET rotguard.team` clause would
  // be simpler, but PostgreSQL lets only a superuser attach a custom setting to a
  // function.) search_path is pinned to the schema it was created in (pg_temp last, as
  // PostgreSQL advises for SECURITY DEFINER functions).
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = quoteIdent(rows[0]!.schema);
  await run(`create function rotguard_event_head() returns table (seq integer, hash text)
language plpgsql volatile security definer
set search_path = ${schema}, pg_temp
as $$
declare
  acting text := current_setting('${TEAM_SETTING}', true);
begin
  perform set_config('${TEAM_SETTING}', '', true);
  return query select e.seq, e.hash from events e order by e.seq desc limit 1;
  perform set_config('${TEAM_SETTING}', coalesce(acting, ''), true);
end
$$`);
}

/** A PostgreSQL identifier, quoted (a doubled quote inside). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
