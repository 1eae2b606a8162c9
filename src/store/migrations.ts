import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { eventHash, GENESIS_HASH, sqlBackendOf, type HashedEventFields } from './event-log.js';
import { decodeJson } from '../core/decode.js';
import { snapshotDefinitionDecoder } from '../data/decoders.js';
import { enableRowSecurity } from './row-security.js';

/**
 * Versioned migrations, in code so they ship with the package. Each is applied once,
 * in order, inside a transaction, and recorded by Kysely's migrator in the store.
 * Never edit a released migration: add the next one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_data_layer': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('teams')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('endpoints')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('transform', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('valid_min', 'double precision')
        .addColumn('valid_max', 'double precision')
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('definition_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('protocols')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('endpoint', 'text', (c) => c.notNull().references('endpoints.name'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('protocol_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('protocol', 'text', (c) => c.notNull().references('protocols.name'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull().references('endpoints.name'))
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('definition_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addUniqueConstraint('protocol_versions_protocol_version', ['protocol', 'version'])
        .execute();
      await db.schema
        .createTable('sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('file_sha256', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('mapping', 'text', (c) => c.notNull())
        .addColumn('mapping_hash', 'text', (c) => c.notNull())
        .addColumn('team', 'text', (c) => c.notNull().references('teams.name'))
        .addColumn('ingested_by', 'text', (c) => c.notNull())
        .addColumn('ingested_at', 'text', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('accepted', 'integer', (c) => c.notNull())
        .addColumn('rejected', 'integer', (c) => c.notNull())
        .addColumn('quarantine_blob', 'text')
        .execute();
      await db.schema
        .createTable('compounds')
        .addColumn('inchikey', 'text', (c) => c.primaryKey())
        .addColumn('smiles', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('compound_aliases')
        .addColumn('team', 'text', (c) => c.notNull().references('teams.name'))
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('inchikey', 'text', (c) => c.notNull().references('compounds.inchikey'))
        .addPrimaryKeyConstraint('compound_aliases_pk', ['team', 'external_id'])
        .execute();
      await db.schema
        .createTable('measurements')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('inchikey', 'text', (c) => c.notNull().references('compounds.inchikey'))
        .addColumn('protocol_version', 'text', (c) => c.notNull().references('protocol_versions.id'))
        .addColumn('endpoint', 'text', (c) => c.notNull().references('endpoints.name'))
        .addColumn('source', 'text', (c) => c.notNull().references('sources.id'))
        .addColumn('source_line', 'integer', (c) => c.notNull())
        .addColumn('team', 'text', (c) => c.notNull().references('teams.name'))
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('batch', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('qualifier', 'text', (c) => c.notNull())
        .addColumn('raw_value', 'text', (c) => c.notNull())
        .addColumn('raw_unit', 'text', (c) => c.notNull())
        .addColumn('measured_at', 'text')
        .addColumn('reported_at', 'text')
        .execute();
      await db.schema.createIndex('measurements_endpoint').on('measurements').columns(['endpoint', 'inchikey']).execute();
      await db.schema.createIndex('measurements_source').on('measurements').column('source').execute();
      await db.schema
        .createTable('snapshots')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('endpoint', 'text', (c) => c.notNull().references('endpoints.name'))
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('blob', 'text', (c) => c.notNull())
        .addColumn('measurements', 'integer', (c) => c.notNull())
        .addColumn('compounds', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('feature_sets')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('feature_cache')
        .addColumn('inchikey', 'text', (c) => c.notNull())
        .addColumn('feature_hash', 'text', (c) => c.notNull())
        .addColumn('descriptors', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('scaffold', 'text', (c) => c.notNull())
        .addColumn('framework', 'text', (c) => c.notNull())
        .addColumn('computed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('feature_cache_pk', ['inchikey', 'feature_hash'])
        .execute();
    },
  },
};

MIGRATIONS['0002_builds_and_registry'] = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('builds')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('recipe', 'text', (c) => c.notNull())
      .addColumn('snapshot', 'text', (c) => c.notNull().references('snapshots.hash'))
      .addColumn('feature_hash', 'text', (c) => c.notNull())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('artifact_blob', 'text', (c) => c.notNull())
      .addColumn('report_blob', 'text', (c) => c.notNull())
      .addColumn('train_seconds', 'double precision', (c) => c.notNull())
      .addColumn('cache_hits', 'integer', (c) => c.notNull())
      .addColumn('saved_seconds', 'double precision', (c) => c.notNull())
      .addColumn('team', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('model_versions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull().references('endpoints.name'))
      .addColumn('team', 'text', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('build_hash', 'text', (c) => c.references('builds.hash'))
      .addColumn('artifact_blob', 'text', (c) => c.notNull())
      .addColumn('report_blob', 'text')
      .addColumn('feature_hash', 'text', (c) => c.notNull())
      .addColumn('feature_contract', 'text', (c) => c.notNull())
      .addColumn('lineage', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addUniqueConstraint('model_versions_model_version', ['model', 'version'])
      .execute();
    await db.schema
      .createTable('model_aliases')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_aliases_pk', ['model', 'alias'])
      .execute();
    await db.schema
      .createTable('gates')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('endpoint', 'text', (c) => c.notNull().references('endpoints.name'))
      .addColumn('thresholds', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('registry_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version_id', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('registry_events_model').on('registry_events').columns(['model', 'at']).execute();
  },
};

MIGRATIONS['0003_predictions'] = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('predictions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('model_version', 'text', (c) => c.notNull().references('model_versions.id'))
      .addColumn('feature_hash', 'text', (c) => c.notNull())
      .addColumn('input_hash', 'text', (c) => c.notNull())
      .addColumn('input_id', 'text', (c) => c.notNull())
      .addColumn('inchikey', 'text', (c) => c.notNull())
      .addColumn('smiles', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('uncertainty', 'double precision')
      .addColumn('interval_level', 'double precision')
      .addColumn('lower', 'double precision')
      .addColumn('upper', 'double precision')
      .addColumn('max_similarity', 'double precision')
      .addColumn('nearest_inchikey', 'text')
      .addColumn('scaffold', 'text', (c) => c.notNull())
      .addColumn('scaffold_seen', 'integer')
      .addColumn('model_frozen', 'integer', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('predictions_model_time').on('predictions').columns(['model_version', 'requested_at']).execute();
    await db.schema.createIndex('predictions_inchikey').on('predictions').column('inchikey').execute();
  },
};

/**
 * The append-only, hash-chained event log replaces registry_events. Existing registry
 * events are carried over in (at, id) order (the only order they had), chained as they go,
 * with the model as their subject. The store then refuses UPDATE and DELETE (and, on
 * PostgreSQL, TRUNCATE) on events. Also indexes predictions by (request, id), so a
 * request's digest (serve/prediction-digest.ts) is read in id order without a sort.
 */
MIGRATIONS['0004_event_log'] = {
  async up(db: Kysely<any>) {
    const backend = sqlBackendOf(db);
    await db.schema
      .createTable('events')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('model', 'text')
      .addColumn('version_id', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_model_seq').on('events').columns(['model', 'seq']).execute();
    await db.schema.createIndex('events_kind_seq').on('events').columns(['kind', 'seq']).execute();

    const old = (await db.selectFrom('registry_events').selectAll().execute()) as Array<{
      id: string;
      at: string;
      actor: string;
      kind: string;
      model: string;
      version_id: string | null;
      reason: string;
      payload: string;
    }>;
    // In JS, not SQL: PostgreSQL's text order follows its locale, and the chain must not depend on it.
    old.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let prevHash = GENESIS_HASH;
    const rows = old.map((e, i) => {
      const fields: HashedEventFields = {
        seq: i + 1,
        prev_hash: prevHash,
        id: e.id,
        at: e.at,
        actor: e.actor,
        kind: e.kind,
        subject: e.model,
        model: e.model,
        version_id: e.version_id,
        reason: e.reason,
        payload: e.payload,
      };
      prevHash = eventHash(fields);
      return { ...fields, hash: prevHash };
    });
    for (let i = 0; i < rows.length; i += 200)
      await db
        .insertInto('events')
        .values(rows.slice(i, i + 200))
        .execute();
    await db.schema.dropTable('registry_events').execute();

    const refusal = 'the event log is append-only';
    if (backend === 'postgres') {
      await sql
        .raw(`create function rotguard_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception '${refusal}' using errcode = 'insufficient_privilege';
end
$$`)
        .execute(db);
      await sql
        .raw('create trigger events_append_only before update or delete on events for each row execute function rotguard_events_append_only()')
        .execute(db);
      await sql
        .raw('create trigger events_no_truncate before truncate on events for each statement execute function rotguard_events_append_only()')
        .execute(db);
      await sql.raw('create index predictions_request on predictions (request, id collate "C")').execute(db);
    } else {
      await sql.raw(`create trigger events_no_update before update on events begin select raise(abort, '${refusal}'); end`).execute(db);
      await sql.raw(`create trigger events_no_delete before delete on events begin select raise(abort, '${refusal}'); end`).execute(db);
      await db.schema.createIndex('predictions_request').on('predictions').columns(['request', 'id']).execute();
    }
  },
};

/**
 * Monitoring evidence of settled windows, computed once: a window whose inputs can no longer
 * change (its week is over and its labels are in, or past the settling time) is stored by a
 * key over (evidence schema, model version, window, its predictions) and reused, so a
 * weekly decision costs the same in year three as in year one.
 */
MIGRATIONS['0008_window_evidence'] = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('window_evidence')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('model_version', 'text', (c) => c.notNull())
      .addColumn('window', 'text', (c) => c.notNull())
      .addColumn('blob', 'text', (c) => c.notNull())
      .addColumn('settled_as_of', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Compute governance (src/compute): jobs with their reservation and settled charge,
 * budgets per team and month, and the workspace's compute settings (prices per resource
 * class, time limits, lanes, idle watchdog), one JSON value per key, latest wins.
 */
MIGRATIONS['0006_compute'] = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('compute_settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('budgets')
      .addColumn('team', 'text', (c) => c.notNull())
      .addColumn('month', 'text', (c) => c.notNull())
      .addColumn('amount', 'double precision', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('set_at', 'text', (c) => c.notNull())
      .addColumn('set_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('budgets_pk', ['team', 'month'])
      .execute();
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('team', 'text', (c) => c.notNull())
      .addColumn('month', 'text', (c) => c.notNull())
      .addColumn('model', 'text')
      .addColumn('build_hash', 'text')
      .addColumn('version_id', 'text')
      .addColumn('executor', 'text', (c) => c.notNull())
      .addColumn('partition', 'text')
      .addColumn('lane', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text')
      .addColumn('array_size', 'integer', (c) => c.notNull())
      .addColumn('cpus', 'integer', (c) => c.notNull())
      .addColumn('gpus', 'integer', (c) => c.notNull())
      .addColumn('time_limit_s', 'integer', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('reserved_cost', 'double precision', (c) => c.notNull())
      .addColumn('elapsed_s', 'double precision')
      .addColumn('cpu_hours', 'double precision')
      .addColumn('gpu_hours', 'double precision')
      .addColumn('charged_cost', 'double precision')
      .addColumn('saved_cpu_hours', 'double precision', (c) => c.notNull())
      .addColumn('saved_gpu_hours', 'double precision', (c) => c.notNull())
      .addColumn('saved_cost', 'double precision', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull())
      .addColumn('submitted_at', 'text', (c) => c.notNull())
      .addColumn('submitted_by', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema.createIndex('jobs_team_month').on('jobs').columns(['team', 'month']).execute();
    await db.schema.createIndex('jobs_state').on('jobs').column('state').execute();
    await db.schema.createIndex('jobs_version').on('jobs').column('version_id').execute();
  },
};

/**
 * Integrity (issue 13): events carry a MAC under the workspace's event key (null for the
 * events before it); predictions record their batch, each batch being committed with its
 * own `predicted` event.
 */
MIGRATIONS['0007_integrity'] = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('events').addColumn('mac', 'text').execute();
    await db.schema.alterTable('predictions').addColumn('batch', 'integer').execute();
  },
};
// ---- issue 17: censoring (assay floor / ceiling per protocol version) ----
/**
 * 0005: a protocol version may declare the assay's floor and ceiling (in the endpoint's
 * unit, linear scale). Exact values at or beyond them are read as censored ('<' at the
 * floor, '>' at the ceiling) when snapshots are built. Null: nothing declared.
 */
MIGRATIONS['0005_censoring'] = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('protocol_versions').addColumn('censor_floor', 'double precision').execute();
    await db.schema.alterTable('protocol_versions').addColumn('censor_ceiling', 'double precision').execute();
  },
};
// ---- end issue 17 ----

/**
 * 0009 (issue 14, the server): principals, API tokens (hash of the secret only), role
 * grants per team, and read grants between teams.
 */
MIGRATIONS['0009_identity'] = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('principals')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('disabled_at', 'text')
      .execute();
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('principal', 'text', (c) => c.notNull().references('principals.name'))
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_by', 'text')
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema
      .createTable('role_grants')
      .addColumn('principal', 'text', (c) => c.notNull().references('principals.name'))
      .addColumn('team', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'text', (c) => c.notNull())
      .addColumn('granted_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('role_grants_pk', ['principal', 'team', 'role'])
      .execute();
    await db.schema
      .createTable('team_grants')
      .ifNotExists()
      .addColumn('owner_team', 'text', (c) => c.notNull())
      .addColumn('grantee_team', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'text', (c) => c.notNull())
      .addColumn('granted_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('team_grants_pk', ['owner_team', 'grantee_team'])
      .execute();
  },
};

// ---- issue 14: tenancy ----
/**
 * 0010: every team-owned row names its team, and on PostgreSQL the database itself keeps
 * teams apart (store/row-security.ts). New `team` columns: snapshots (the acting team, else
 * the definition's only team; backfilled from the first build on it, else the definition),
 * predictions, model_aliases and window_evidence (the model version's team, backfilled),
 * events (null = a shared standard; events logged before this migration stay null, since
 * their hashes never covered a team: see eventHash). `team_grants` is created here when
 * 0009_identity has not; `blobs` holds PostgresBlobStore's blobs. PostgreSQL also gets
 * row-level security and `rotguard_event_head()`.
 */
MIGRATIONS['0010_tenancy'] = {
  async up(db: Kysely<any>) {
    for (const table of ['snapshots', 'predictions', 'model_aliases', 'window_evidence', 'events'])
      await db.schema.alterTable(table).addColumn('team', 'text').execute();
    await sql`update predictions set team = (select v.team from model_versions v where v.id = predictions.model_version)`.execute(db);
    await sql`update model_aliases set team = (select v.team from model_versions v where v.id = model_aliases.version_id)`.execute(db);
    await sql`update window_evidence set team = (select v.team from model_versions v where v.id = window_evidence.model_version)`.execute(db);
    const firstBuildTeam = new Map<string, string>();
    for (const b of await db.selectFrom('builds').select(['snapshot', 'team', 'created_at']).orderBy('created_at').orderBy('hash').execute())
      if (!firstBuildTeam.has(b.snapshot)) firstBuildTeam.set(b.snapshot, b.team);
    for (const s of (await db.selectFrom('snapshots').select(['hash', 'definition']).execute()) as Array<{ hash: string; definition: string }>) {
      const def = decodeJson(s.definition, snapshotDefinitionDecoder, { kind: 'row', what: `definition of snapshot ${s.hash}`, id: s.hash });
      const team = firstBuildTeam.get(s.hash) ?? (def.teams?.length === 1 ? def.teams[0]! : null);
      if (team !== null) await db.updateTable('snapshots').set({ team }).where('hash', '=', s.hash).execute();
    }
    for (const table of ['snapshots', 'predictions', 'model_aliases', 'window_evidence', 'events'])
      await db.schema.createIndex(`${table}_team`).on(table).column('team').execute();
    await db.schema
      .createTable('team_grants')
      .ifNotExists()
      .addColumn('owner_team', 'text', (c) => c.notNull())
      .addColumn('grantee_team', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'text', (c) => c.notNull())
      .addColumn('granted_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('team_grants_pk', ['owner_team', 'grantee_team'])
      .execute();
    // One schema on both backends; only PostgreSQL stores blobs here by default (SQLite
    // workspaces keep them as files beside the store).
    const postgres = sqlBackendOf(db) === 'postgres';
    await db.schema
      .createTable('blobs')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('bytes', postgres ? 'bytea' : 'blob', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    if (postgres) await enableRowSecurity(db);
  },
};
// ---- end issue 14: tenancy ----

// ---- issue 14: webhooks (src/notify) ----
/**
 * 0011: webhooks out of the event log. `webhooks` holds each subscription (URL, team or
 * null for organisation-wide, kinds as a JSON array or '*', the signing secret encrypted
 * under the workspace's event key) and its cursor: the last event seq it is done with
 * (delivered, dead-lettered or not matching), so a restarted dispatcher resumes there.
 * `webhook_deliveries` holds one row per matching event attempted: its stable delivery id,
 * attempts, last status and error, when to retry, and when it was delivered or given up
 * (a dead letter). `webhook_lease` names the one dispatcher that delivers, so a second server
 * or a stray `rotguard webhooks run` stands by instead of sending everything twice. Events get a nullable `team` column (null: a shared-standard event) if
 * migration 0010_tenancy has not added it already; the tenancy layer fills it on write.
 */
MIGRATIONS['0011_webhooks'] = {
  async up(db: Kysely<any>) {
    const backend = sqlBackendOf(db);
    const eventColumns =
      backend === 'postgres'
        ? (
            await sql<{
              name: string;
            }>`select column_name as name from information_schema.columns where table_name = 'events' and table_schema = current_schema()`.execute(db)
          ).rows
        : (await sql<{ name: string }>`select name from pragma_table_info('events')`.execute(db)).rows;
    if (!eventColumns.some((c) => c.name === 'team')) await db.schema.alterTable('events').addColumn('team', 'text').execute();
    await db.schema.createIndex('events_team_seq').ifNotExists().on('events').columns(['team', 'seq']).execute();
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('team', 'text')
      .addColumn('kinds', 'text', (c) => c.notNull())
      .addColumn('secret_enc', 'text', (c) => c.notNull())
      .addColumn('cursor_seq', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('disabled_at', 'text')
      .addColumn('disabled_by', 'text')
      .execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook', 'text', (c) => c.notNull().references('webhooks.id'))
      .addColumn('event_seq', 'integer', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('last_attempt_at', 'text')
      .addColumn('next_attempt_at', 'text')
      .addColumn('delivered_at', 'text')
      .addColumn('dead_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('webhook_deliveries_webhook_event', ['webhook', 'event_seq'])
      .execute();
    // Which dispatcher delivers (one at a time; the others stand by until its lease runs out).
    await db.schema
      .createTable('webhook_lease')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
  },
};
// ---- end issue 14 webhooks ----
// ---- issue 18: scale on PostgreSQL ----
/**
 * Indexes that keep the hot reads flat as predictions, measurements and events grow
 * (bench/scale: 10 M predictions, 1 M measurements; plans in bench/scale/RESULTS.md).
 * Plain b-tree indexes on portable columns, the same on SQLite. Exported so the
 * benchmark can time the same queries without them.
 */
export const SCALE_INDEXES: ReadonlyArray<{ name: string; table: string; columns: string[] }> = [
  // Monitoring counts the endpoint's labels reported by each window's end: an index-only scan instead of every measurement row.
  { name: 'measurements_endpoint_reported', table: 'measurements', columns: ['endpoint', 'reported_at'] },
  // Monitoring's logged batches and the audit's per-model events: one model's events of one kind, not every model's.
  { name: 'events_model_kind_seq', table: 'events', columns: ['model', 'kind', 'seq'] },
  // The settled windows of a model's versions (one lookup per monitoring run).
  { name: 'window_evidence_version', table: 'window_evidence', columns: ['model_version'] },
];

MIGRATIONS['0013_scale_indexes'] = {
  async up(db: Kysely<any>) {
    for (const ix of SCALE_INDEXES) await db.schema.createIndex(ix.name).on(ix.table).columns(ix.columns).execute();
  },
};
// ---- end issue 18: scale on PostgreSQL ----
// ---- issue 18: audit at scale ----
/**
 * Counting a version's predictions (the audit's traceability check) as an index-only scan:
 * under row-level security (0010) every row's team is checked, so an index without it sends
 * the count to the heap (700 ms at 10 M predictions, bench/scale/RESULTS.md). Exported for the
 * benchmark, like SCALE_INDEXES.
 */
export const AUDIT_COUNT_INDEX: { name: string; table: string; columns: string[] } = {
  name: 'predictions_version_team',
  table: 'predictions',
  columns: ['model_version', 'team'],
};

/**
 * The same for monitoring's count of an endpoint's labels reported by each window's end
 * (0013's measurements (endpoint, reported_at)): under row-level security the team is read
 * per row, so only an index that carries it keeps that read index-only.
 */
export const MONITOR_LABELS_INDEX: { name: string; table: string; columns: string[] } = {
  name: 'measurements_endpoint_reported_team',
  table: 'measurements',
  columns: ['endpoint', 'reported_at', 'team'],
};

/**
 * The per-version audit, kept flat as the log grows: verified heads of the event log
 * (checkpoints, MAC'd with the workspace's event key; store/event-checkpoint.ts), and an
 * index to read the events about given subjects (a version's training sources, its
 * endpoint's gate) without reading every event of their kind, and one to count a version's
 * predictions without reading the heap.
 */
MIGRATIONS['0014_audit_scale'] = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('event_checkpoints')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('events', 'integer', (c) => c.notNull())
      .addColumn('verified_at', 'text', (c) => c.notNull())
      .addColumn('verified_by', 'text', (c) => c.notNull())
      .addColumn('mac', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_subject_seq').on('events').columns(['subject', 'seq']).execute();
    for (const ix of [AUDIT_COUNT_INDEX, MONITOR_LABELS_INDEX]) await db.schema.createIndex(ix.name).on(ix.table).columns(ix.columns).execute();
  },
};
// ---- end issue 18: audit at scale ----

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1)!;
