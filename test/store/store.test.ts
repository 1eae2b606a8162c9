import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { RotguardError } from '../../src/core/errors.js';
import { LATEST_MIGRATION } from '../../src/store/migrations.js';
import type { Database, NewRow } from '../../src/store/schema.js';
import { inTransaction, openStore, type Store } from '../../src/store/store.js';
import { forEachBackend } from './backends.js';

const T = '2026-11-26T10:00:00.000Z';
const IK = 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N';
const IK2 = 'RZVAJINKPMORJF-UHFFFAOYSA-N';
const H = (c: string) => c.repeat(64).slice(0, 64);

/** One valid row per table, in foreign-key order. */
const ROWS: { [K in keyof Database]: NewRow<K> } = {
  teams: { name: 'dmpk', created_at: T },
  endpoints: {
    name: 'solubility_logS',
    unit: 'ug/mL',
    transform: 'log10',
    direction: 'higher_is_better',
    valid_min: 0.001,
    valid_max: 1e6,
    description: 'kinetic solubility',
    definition_hash: H('a'),
    created_at: T,
    created_by: 'ana',
  },
  protocols: { name: 'ksol-pbs', endpoint: 'solubility_logS', created_at: T },
  protocol_versions: {
    id: 'ksol-pbs@1',
    protocol: 'ksol-pbs',
    version: 1,
    endpoint: 'solubility_logS',
    site: 'basel',
    vendor: 'inhouse',
    unit: 'uM',
    parameters: '{"pH":7.4}',
    definition_hash: H('b'),
    created_at: T,
    created_by: 'ana',
    censor_floor: 0.5,
    censor_ceiling: null,
  },
  sources: {
    id: H('c'),
    file_sha256: H('d'),
    path: 'assays/ksol.csv',
    format: 'csv',
    mapping: '{}',
    mapping_hash: H('e'),
    team: 'dmpk',
    ingested_by: 'ana',
    ingested_at: T,
    rows: 3,
    accepted: 2,
    rejected: 1,
    quarantine_blob: null,
  },
  compounds: { inchikey: IK, smiles: 'CC(=O)Oc1ccccc1C(=O)O', created_at: T },
  compound_aliases: { team: 'dmpk', external_id: 'DMPK-0001', inchikey: IK },
  measurements: {
    id: H('f'),
    inchikey: IK,
    protocol_version: 'ksol-pbs@1',
    endpoint: 'solubility_logS',
    source: H('c'),
    source_line: 2,
    team: 'dmpk',
    site: 'basel',
    batch: 'B1',
    value: 12.5,
    qualifier: '=',
    raw_value: '12.5',
    raw_unit: 'uM',
    measured_at: '2026-10-01',
    reported_at: null,
  },
  snapshots: {
    hash: H('1'),
    endpoint: 'solubility_logS',
    definition: '{"endpoint":"solubility_logS"}',
    blob: H('2'),
    measurements: 1,
    compounds: 1,
    created_at: T,
    created_by: 'ana',
    team: 'dmpk',
  },
  feature_sets: { hash: H('3'), name: 'rdkit-desc@1', definition: '{}', created_at: T },
  feature_cache: {
    inchikey: IK,
    feature_hash: H('3'),
    descriptors: '[180.159,null]',
    fingerprint: '00ff',
    scaffold: 'c1ccccc1',
    framework: 'C1CCCCC1',
    computed_at: T,
  },
  builds: {
    hash: H('4'),
    recipe: '{}',
    snapshot: H('1'),
    feature_hash: H('3'),
    environment: '{}',
    artifact_blob: H('5'),
    report_blob: H('6'),
    train_seconds: 1.5,
    cache_hits: 0,
    saved_seconds: 0,
    team: 'dmpk',
    created_at: T,
    created_by: 'ana',
  },
  model_versions: {
    id: 'sol-rf@1',
    model: 'sol-rf',
    version: 1,
    endpoint: 'solubility_logS',
    team: 'dmpk',
    origin: 'built',
    build_hash: H('4'),
    artifact_blob: H('5'),
    report_blob: H('6'),
    feature_hash: H('3'),
    feature_contract: '{}',
    lineage: '{}',
    created_at: T,
    created_by: 'ana',
  },
  model_aliases: { model: 'sol-rf', alias: 'champion', version_id: 'sol-rf@1', updated_at: T, team: 'dmpk' },
  gates: { hash: H('7'), endpoint: 'solubility_logS', thresholds: '{}', created_at: T, created_by: 'ana' },
  predictions: {
    id: H('9'),
    request: H('a'),
    model_version: 'sol-rf@1',
    feature_hash: H('3'),
    input_hash: H('b'),
    input_id: 'X1',
    inchikey: IK,
    smiles: 'CC(=O)Oc1ccccc1C(=O)O',
    value: 1.25,
    uncertainty: 0.3,
    interval_level: 0.9,
    lower: 0.7,
    upper: 1.8,
    max_similarity: 0.42,
    nearest_inchikey: IK2,
    scaffold: 'c1ccccc1',
    scaffold_seen: 1,
    model_frozen: 0,
    requested_by: 'ana',
    requested_at: T,
    batch: 0,
    team: 'dmpk',
  },
  compute_settings: { key: 'prices', value: '{"cpuHour":0.05,"gpuHour":2.5}', updated_at: T, updated_by: 'ana' },
  budgets: { team: 'dmpk', month: '2026-11', amount: 1000, currency: 'EUR', set_at: T, set_by: 'ana' },
  jobs: {
    id: 'job-1',
    kind: 'build',
    team: 'dmpk',
    month: '2026-11',
    model: 'sol-rf',
    build_hash: H('4'),
    version_id: 'sol-rf@1',
    executor: 'slurm',
    partition: 'main',
    lane: 'standard',
    state: 'completed',
    external_id: '17',
    array_size: 1,
    cpus: 2,
    gpus: 0,
    time_limit_s: 3600,
    spec: '{}',
    result: '{}',
    reserved_cost: 0.1,
    elapsed_s: 60,
    cpu_hours: 2 / 60,
    gpu_hours: 0,
    charged_cost: 0.0017,
    saved_cpu_hours: 0,
    saved_gpu_hours: 0,
    saved_cost: 0,
    note: '',
    submitted_at: T,
    submitted_by: 'ana',
    started_at: T,
    ended_at: T,
  },
  events: {
    seq: 1,
    id: '0b6f6a3e-9a51-4f3e-8d2c-6f1e2d3c4b5a',
    at: T,
    actor: 'ana',
    kind: 'registered',
    subject: 'sol-rf',
    model: 'sol-rf',
    version_id: 'sol-rf@1',
    reason: 'first build',
    payload: '{}',
    prev_hash: H('0'),
    hash: H('8'),
    mac: H('c'),
    team: 'dmpk',
  },
  window_evidence: { key: H('9'), model_version: 'sol-rf@1', window: '2026-W48', blob: H('a'), settled_as_of: T, created_at: T, team: 'dmpk' },
  blobs: { hash: H('d'), bytes: Buffer.from([0, 1, 2, 255]), size: 4, created_at: T },
  principals: { name: 'ana', kind: 'user', created_at: T, created_by: 'admin', disabled_at: null },
  api_tokens: {
    id: '0123456789abcdef',
    principal: 'ana',
    token_hash: H('d'),
    created_at: T,
    created_by: 'admin',
    expires_at: null,
    revoked_at: null,
    revoked_by: null,
    last_used_at: null,
  },
  role_grants: { principal: 'ana', team: 'dmpk', role: 'modeler', granted_at: T, granted_by: 'admin' },
  team_grants: { owner_team: 'dmpk', grantee_team: 'chem-a', granted_at: T, granted_by: 'admin' },
  webhooks: {
    id: 'wh_0123456789abcdef',
    url: 'https://hooks.example.org/rotguard',
    team: 'dmpk',
    kinds: '["promoted_champion"]',
    secret_enc: 'v1.a.b.c',
    cursor_seq: 1,
    created_at: T,
    created_by: 'ana',
    disabled_at: null,
    disabled_by: null,
  },
  webhook_deliveries: {
    id: 'c2a1c3de-0000-4000-8000-000000000001',
    webhook: 'wh_0123456789abcdef',
    event_seq: 1,
    attempts: 1,
    last_status: 200,
    last_error: null,
    last_attempt_at: T,
    next_attempt_at: null,
    delivered_at: T,
    dead_at: null,
    created_at: T,
  },
  webhook_lease: { name: 'dispatcher', holder: 'c2a1c3de-0000-4000-8000-000000000002', expires_at: T },
  event_checkpoints: { seq: 1, hash: H('8'), events: 1, verified_at: T, verified_by: 'auditor', mac: H('e') },
};

/** Each table's natural key columns. */
const KEYS: { [K in keyof Database]: (keyof Database[K] & string)[] } = {
  window_evidence: ['key'],
  teams: ['name'],
  endpoints: ['name'],
  protocols: ['name'],
  protocol_versions: ['id'],
  sources: ['id'],
  compounds: ['inchikey'],
  compound_aliases: ['team', 'external_id'],
  measurements: ['id'],
  snapshots: ['hash'],
  feature_sets: ['hash'],
  feature_cache: ['inchikey', 'feature_hash'],
  builds: ['hash'],
  model_versions: ['id'],
  model_aliases: ['model', 'alias'],
  gates: ['hash'],
  events: ['seq'],
  predictions: ['id'],
  compute_settings: ['key'],
  budgets: ['team', 'month'],
  jobs: ['id'],
  principals: ['name'],
  api_tokens: ['id'],
  role_grants: ['principal', 'team', 'role'],
  team_grants: ['owner_team', 'grantee_team'],
  blobs: ['hash'],
  webhooks: ['id'],
  webhook_deliveries: ['id'],
  webhook_lease: ['name'],
  event_checkpoints: ['seq'],
};

const TABLES = Object.keys(ROWS) as (keyof Database)[];

async function insertAll(store: Store): Promise<void> {
  for (const table of TABLES)
    await store.db
      .insertInto(table)
      .values(ROWS[table] as never)
      .execute();
}

async function count(store: Store, table: keyof Database): Promise<number> {
  const r = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return r.n;
}

function isStoreError(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof RotguardError, `expected a RotguardError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  };
}

forEachBackend('store', (b) => {
  it('applies the migrations to a fresh store and opens it again without migrating', async () => {
    const location = await b.freshLocation();
    const store = await openStore({ ...location, migrate: true });
    assert.equal(store.backend, b.backend);
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
    assert.deepEqual(applied.rows.map((r) => r.name).at(-1), LATEST_MIGRATION);
    for (const table of TABLES) assert.equal(await count(store, table), 0, table);
    await store.close();

    const again = await openStore({ ...location });
    try {
      for (const table of TABLES) assert.equal(await count(again, table), 0, table);
    } finally {
      await again.close();
    }
    // Migrating an up-to-date store is a no-op.
    const third = await openStore({ ...location, migrate: true });
    await third.close();
  });

  it('refuses to open an un-migrated store without migrate (store_not_initialised)', async () => {
    const location = await b.freshLocation();
    await assert.rejects(openStore({ ...location }), (e: unknown) => {
      isStoreError('store_not_initialised')(e);
      // The command that migrates: init for an embedded store, admin migrate for PostgreSQL.
      assert.match((e as Error).message, b.backend === 'postgres' ? /rotguard admin migrate/ : /rotguard init/);
      // SQLite: no file is created by looking; PostgreSQL: the database exists, its migrations are named.
      if (b.backend === 'postgres') assert.match((e as Error).message, new RegExp(LATEST_MIGRATION));
      else assert.match((e as Error).message, /no rotguard store/);
      return true;
    });
    await assert.rejects(b.openFresh({ migrate: false }), isStoreError('store_not_initialised'));
    const store = await openStore({ ...location, migrate: true });
    await store.close();
  });

  it('round-trips a row through every table by its natural key', async () => {
    const store = await b.openFresh();
    await insertAll(store);
    for (const table of TABLES) {
      const row = ROWS[table] as Record<string, unknown>;
      let q = store.db.selectFrom(table).selectAll() as any;
      for (const key of KEYS[table]) q = q.where(key, '=', row[key]);
      const got = await q.execute();
      assert.deepEqual(got, [row], table);
    }
  });

  it('rejects a second row with the same natural key in every table', async () => {
    const store = await b.openFresh();
    await insertAll(store);
    for (const table of TABLES) {
      await assert.rejects(
        store.db
          .insertInto(table)
          .values(ROWS[table] as never)
          .execute(),
        (e: unknown) => e instanceof Error,
        table,
      );
      assert.equal(await count(store, table), 1, table);
    }
  });

  it('enforces foreign keys', async () => {
    const store = await b.openFresh();
    await insertAll(store);
    await assert.rejects(
      store.db
        .insertInto('measurements')
        .values({ ...ROWS.measurements, id: H('9'), inchikey: IK2 })
        .execute(),
      /foreign key/i,
    );
    await assert.rejects(store.db.insertInto('compound_aliases').values({ team: 'nobody', external_id: 'X', inchikey: IK }).execute(), /foreign key/i);
    assert.equal(await count(store, 'measurements'), 1);
  });

  it('keeps nothing from a transaction that fails (inTransaction)', async () => {
    const store = await b.openFresh();
    await assert.rejects(
      inTransaction(store, async (trx) => {
        await trx.insertInto('teams').values(ROWS.teams).execute();
        await trx.insertInto('endpoints').values(ROWS.endpoints).execute();
        assert.equal((await trx.selectFrom('teams').selectAll().execute()).length, 1);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await count(store, 'teams'), 0);
    assert.equal(await count(store, 'endpoints'), 0);

    // A failing statement (duplicate key) undoes the statements before it too.
    await assert.rejects(
      inTransaction(store, async (trx) => {
        await trx.insertInto('teams').values(ROWS.teams).execute();
        await trx.insertInto('teams').values({ name: 'med-chem', created_at: T }).execute();
        await trx.insertInto('teams').values(ROWS.teams).execute();
      }),
    );
    assert.equal(await count(store, 'teams'), 0);

    // And a successful one commits all of it, returning fn's value.
    const n = await inTransaction(store, async (trx) => {
      await trx.insertInto('teams').values(ROWS.teams).execute();
      await trx.insertInto('teams').values({ name: 'med-chem', created_at: T }).execute();
      return 2;
    });
    assert.equal(n, 2);
    assert.equal(await count(store, 'teams'), 2);
  });

  it('returns numbers as JS numbers: double precision, integers, counts and aggregates', async () => {
    const store = await b.openFresh();
    await insertAll(store);
    const values = [12.5, -3.25, 1e-12, 0.1 + 0.2, 123456789.123456, 1.7976931348623157e308, 5e-324];
    await store.db.insertInto('compounds').values({ inchikey: IK2, smiles: 'c1ccccc1', created_at: T }).execute();
    for (let i = 1; i < values.length; i++) {
      await store.db
        .insertInto('measurements')
        .values({ ...ROWS.measurements, id: H(String(i)), source_line: 2 + i, value: values[i]!, inchikey: i % 2 ? IK2 : IK })
        .execute();
    }
    const rows = await store.db.selectFrom('measurements').select(['value', 'source_line']).orderBy('source_line').execute();
    assert.deepEqual(
      rows.map((r) => r.value),
      values,
    );
    for (const r of rows) assert.equal(typeof r.source_line, 'number');

    const ep = await store.db.selectFrom('endpoints').select(['valid_min', 'valid_max']).executeTakeFirstOrThrow();
    assert.deepEqual(ep, { valid_min: 0.001, valid_max: 1e6 });
    await store.db.updateTable('endpoints').set({ valid_min: null }).execute();
    assert.equal((await store.db.selectFrom('endpoints').select('valid_min').executeTakeFirstOrThrow()).valid_min, null);

    const src = await store.db.selectFrom('sources').select(['rows', 'accepted', 'rejected']).executeTakeFirstOrThrow();
    assert.deepEqual(src, { rows: 3, accepted: 2, rejected: 1 });

    const agg = await store.db
      .selectFrom('measurements')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.count<number>('inchikey').distinct().as('compounds'),
        eb.fn.sum<number>('source_line').as('lines'),
        eb.fn.max<number>('source_line').as('last'),
        eb.fn.min<number>('value').as('lo'),
        eb.fn.avg<number>('source_line').as('mean'),
      ])
      .executeTakeFirstOrThrow();
    assert.deepEqual(agg, { n: values.length, compounds: 2, lines: 2 + 3 + 4 + 5 + 6 + 7 + 8, last: 8, lo: -3.25, mean: 5 });
    for (const v of Object.values(agg)) assert.equal(typeof v, 'number');

    const grouped = await store.db
      .selectFrom('measurements')
      .select(['inchikey', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('inchikey')
      .orderBy('inchikey')
      .execute();
    assert.deepEqual(grouped, [
      { inchikey: IK, n: 4 },
      { inchikey: IK2, n: 3 },
    ]);
  });

  it('keeps its blobs in the workspace blob store', async () => {
    const store = await b.openFresh();
    const h = await store.blobs.put('quarantine report');
    assert.equal((await store.blobs.get(h)).toString(), 'quarantine report');
    if (b.backend === 'postgres') assert.ok(!/rotguard:rotguard@/.test(store.location), `password shown in ${store.location}`);
  });
});
