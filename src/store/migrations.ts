import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { eventHash, GENESIS_HASH, sqlBackendOf, type HashedEventFields } from './event-log.js';

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

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1)!;
