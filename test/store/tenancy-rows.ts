/**
 * Rows for the tenancy tests: the shared standards once, and one row per team-owned table
 * for each team (keys derived from the team's name), inserted by the tables' owner.
 */
import { sha256Hex } from '../../src/core/hash.js';
import { TEAM_TABLES } from '../../src/store/row-security.js';
import type { Store } from '../../src/store/store.js';
import { predictionRow } from './fixture-rows.js';

const T = '2026-11-26T10:00:00.000Z';
const IK = 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N';
const h = (s: string) => sha256Hex(s);

export async function insertShared(store: Pick<Store, 'db'>): Promise<void> {
  const db = store.db;
  await db
    .insertInto('endpoints')
    .values({
      name: 'sol',
      unit: 'uM',
      transform: 'log10',
      direction: 'higher_is_better',
      valid_min: null,
      valid_max: null,
      description: '',
      definition_hash: h('sol'),
      created_at: T,
      created_by: 'steward',
    })
    .execute();
  await db.insertInto('protocols').values({ name: 'ksol', endpoint: 'sol', created_at: T }).execute();
  await db
    .insertInto('protocol_versions')
    .values({
      id: 'ksol@1',
      protocol: 'ksol',
      version: 1,
      endpoint: 'sol',
      site: 's',
      vendor: 'v',
      unit: 'uM',
      parameters: '{}',
      definition_hash: h('ksol'),
      created_at: T,
      created_by: 'steward',
      censor_floor: null,
      censor_ceiling: null,
    })
    .execute();
  await db.insertInto('compounds').values({ inchikey: IK, smiles: 'C', created_at: T }).execute();
}

/**
 * One row of `team` in every team-owned table. `beforeTenancy`: as written before
 * migration 0010 (no team on snapshots, predictions, aliases and window evidence; the
 * snapshot's definition names the team instead).
 */
export async function insertTeamRows(store: Pick<Store, 'db'>, team: string, o: { beforeTenancy?: boolean } = {}): Promise<void> {
  const db = store.db;
  // Typed as the current schema; the older one lacks these columns.
  const owned = (o.beforeTenancy ? {} : { team }) as { team: string };
  const model = `m-${team}`;
  const version = `${model}@1`;
  await db.insertInto('teams').values({ name: team, created_at: T }).execute();
  await db
    .insertInto('sources')
    .values({
      id: h(`src-${team}`),
      file_sha256: h(`file-${team}`),
      path: `${team}.csv`,
      format: 'csv',
      mapping: '{}',
      mapping_hash: h('map'),
      team,
      ingested_by: 'ana',
      ingested_at: T,
      rows: 1,
      accepted: 1,
      rejected: 0,
      quarantine_blob: null,
    })
    .execute();
  await db
    .insertInto('compound_aliases')
    .values({ team, external_id: `${team}-1`, inchikey: IK })
    .execute();
  await db
    .insertInto('measurements')
    .values({
      id: h(`meas-${team}`),
      inchikey: IK,
      protocol_version: 'ksol@1',
      endpoint: 'sol',
      source: h(`src-${team}`),
      source_line: 2,
      team,
      site: 's',
      batch: 'b',
      value: 1,
      qualifier: '=',
      raw_value: '1',
      raw_unit: 'uM',
      measured_at: null,
      reported_at: null,
    })
    .execute();
  await db
    .insertInto('snapshots')
    .values({
      hash: h(`snap-${team}`),
      endpoint: 'sol',
      definition: '{"aggregation":{"censored":"drop","method":"mean"},"endpoint":"sol"}',
      blob: h('blob'),
      measurements: 1,
      compounds: 1,
      created_at: T,
      created_by: 'ana',
      ...owned,
    })
    .execute();
  await db
    .insertInto('builds')
    .values({
      hash: h(`build-${team}`),
      recipe: '{}',
      snapshot: h(`snap-${team}`),
      feature_hash: h('f'),
      environment: '{}',
      artifact_blob: h('a'),
      report_blob: h('r'),
      train_seconds: 1,
      cache_hits: 0,
      saved_seconds: 0,
      team,
      created_at: T,
      created_by: 'ana',
    })
    .execute();
  await db
    .insertInto('model_versions')
    .values({
      id: version,
      model,
      version: 1,
      endpoint: 'sol',
      team,
      origin: 'built',
      build_hash: h(`build-${team}`),
      artifact_blob: h('a'),
      report_blob: null,
      feature_hash: h('f'),
      feature_contract: '{}',
      lineage: '{}',
      created_at: T,
      created_by: 'ana',
    })
    .execute();
  await db
    .insertInto('model_aliases')
    .values({ model, alias: 'champion', version_id: version, updated_at: T, ...owned })
    .execute();
  await db
    .insertInto('predictions')
    .values(
      predictionRow({
        id: `p-${team}`,
        request: `r-${team}`,
        model_version: version,
        feature_hash: h('f'),
        input_hash: h('i'),
        input_id: 'x',
        inchikey: IK,
        value: 1,
        requested_at: T,
        batch: 0,
        ...owned,
      }),
    )
    .execute();
  await db
    .insertInto('window_evidence')
    .values({ key: h(`we-${team}`), model_version: version, window: '2026-W48', blob: h('b'), settled_as_of: T, created_at: T, ...owned })
    .execute();
  await db
    .insertInto('jobs')
    .values({
      id: `job-${team}`,
      kind: 'build',
      team,
      month: '2026-11',
      model,
      build_hash: null,
      version_id: null,
      executor: 'local',
      partition: null,
      lane: 'standard',
      state: 'completed',
      external_id: null,
      array_size: 1,
      cpus: 1,
      gpus: 0,
      time_limit_s: 60,
      spec: '{}',
      result: null,
      reserved_cost: 0,
      elapsed_s: null,
      cpu_hours: null,
      gpu_hours: null,
      charged_cost: null,
      saved_cpu_hours: 0,
      saved_gpu_hours: 0,
      saved_cost: 0,
      note: '',
      submitted_at: T,
      submitted_by: 'ana',
      started_at: null,
      ended_at: null,
    })
    .execute();
  await db.insertInto('budgets').values({ team, month: '2026-11', amount: 1, currency: 'EUR', set_at: T, set_by: 'ana' }).execute();
}

export { TEAM_TABLES };
