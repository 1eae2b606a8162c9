import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { auditReport } from '../../src/audit/report.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { ingestFile } from '../../src/data/ingest.js';
import { buildModel } from '../../src/usecases/models.js';
import { createContext } from '../../src/usecases/context.js';
import { promote } from '../../src/registry/registry.js';
import { predictFile } from '../../src/serve/predict.js';
import { eventHash, eventLogHead, verifyEventLog, type HashedEventFields } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';
import { forEachBackend } from '../store/backends.js';
import { liveWorkspace } from './live-workspace.js';
import { tally } from './tally.js';

/**
 * The tamper suite: one case per direct edit of the store that the audit used to miss
 * (issue 13, finding 5). Each edit is made with plain SQL around rotguard, the audit (or
 * `audit verify`) must name it, and the edit is undone before the next case, so every case
 * starts from a workspace that audits clean.
 */
const dir = mkdtempSync(join(tmpdir(), 'rotguard-tamper-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => loadRDKit());

async function workspace(store: Store, tag: string) {
  const { unseen, recipe, mapping, readReport } = await liveWorkspace(store, dir, tag, { gate: { minTestSize: 5, requireSplit: 'any', maxRmse: 3 } });
  await buildModel(createContext(store, { actor: 'ana' }), { ...recipe, seed: 2 }, { overrideReason: 'second version for the test' });
  await promote(store, { ref: 'logd-rf@2', alias: 'champion', actor: 'ben', reason: 'reviewed', readReport });
  // Labels reported after training: not in any training set.
  const later = join(dir, `${tag}-later.csv`);
  writeFileSync(later, ['id,smiles,logd,measured,reported', ...unseen.slice(0, 20).map((s, i) => `l${i},${s},1.5,2024-03-02,2024-03-20`)].join('\n') + '\n');
  await ingestFile(store, { path: later, mapping, actor: 'ana', quarantineDir: dir, workers: 1 });
  const requests: string[] = [];
  for (const k of [0, 1]) {
    const input = join(dir, `${tag}-new${k}.csv`);
    writeFileSync(input, ['id,smiles', ...unseen.slice(20 + 25 * k, 45 + 25 * k).map((s, i) => `n${k}-${i},${s}`)].join('\n') + '\n');
    requests.push((await predictFile(store, { modelRef: 'logd-rf@champion', input, out: join(dir, `${tag}-p${k}.csv`), actor: 'carl', workers: 1 })).request);
  }
  return { requests, laterPath: later };
}

/** Every problem the audit reports: failed controls and event-log / store-integrity problems. */
async function auditProblems(store: Store): Promise<string[]> {
  const r = await auditReport(store, { actor: 'auditor', workspace: 'w', maxMonitorAgeDays: 3650 });
  const controls = r.models.flatMap((m) =>
    m.controls
      .filter((c) => c.status === 'fail' && c.control !== 'monitor.recent' && c.control !== 'policy.retrain_justified')
      .map((c) => `${m.version} ${c.control}: ${c.reason}`),
  );
  return [...controls, ...r.eventLog.problems];
}

forEachBackend('tamper suite: every direct edit of the store is caught by the audit', (b) => {
  let store: Store;
  let requests: string[];
  let laterPath: string;

  before(async () => {
    store = await b.openFresh();
    ({ requests, laterPath } = await workspace(store, b.backend));
  });

  /** Runs one tamper: the audit is clean before, names the edit after, and is clean again once it is undone. */
  async function tamper(name: string, edit: () => Promise<() => Promise<void>>, expected: RegExp): Promise<void> {
    assert.deepEqual(await auditProblems(store), [], `clean before: ${name}`);
    const undo = await edit();
    const problems = await auditProblems(store);
    const caught = problems.some((p) => expected.test(p));
    tally('tampers', caught);
    assert.ok(caught, `${name}: expected a problem matching ${expected}, got ${JSON.stringify(problems)}`);
    await undo();
    assert.deepEqual(await auditProblems(store), [], `clean after undoing: ${name}`);
  }

  const reinsert = (table: 'predictions' | 'measurements', rows: object[]) => async () => {
    for (const r of rows)
      await store.db
        .insertInto(table)
        .values(r as never)
        .execute();
  };

  it('deleting all predictions', () =>
    tamper(
      'delete all predictions',
      async () => {
        const rows = await store.db.selectFrom('predictions').selectAll().execute();
        await store.db.deleteFrom('predictions').execute();
        return reinsert('predictions', rows);
      },
      /predictions_traceable: .*none stored \(deleted\)/,
    ));

  it('deleting one prediction request', () =>
    tamper(
      'delete one request',
      async () => {
        const rows = await store.db.selectFrom('predictions').selectAll().where('request', '=', requests[1]!).execute();
        await store.db.deleteFrom('predictions').where('request', '=', requests[1]!).execute();
        return reinsert('predictions', rows);
      },
      /request [0-9a-f-]+ .*none stored \(deleted\)/,
    ));

  it('multiplying a training measurement by 100', () =>
    tamper(
      'scale a measurement',
      async () => {
        const m = await store.db.selectFrom('measurements').select(['id', 'value']).orderBy('id').executeTakeFirstOrThrow();
        await store.db
          .updateTable('measurements')
          .set({ value: m.value * 100 })
          .where('id', '=', m.id)
          .execute();
        return async () => void (await store.db.updateTable('measurements').set({ value: m.value }).where('id', '=', m.id).execute());
      },
      /measurements were changed after ingest/,
    ));

  it('deleting a measurement ingested after training', () =>
    tamper(
      'delete a later measurement',
      async () => {
        const source = await store.db.selectFrom('sources').select('id').where('path', '=', laterPath).executeTakeFirstOrThrow();
        const row = await store.db.selectFrom('measurements').selectAll().where('source', '=', source.id).orderBy('id').executeTakeFirstOrThrow();
        await store.db.deleteFrom('measurements').where('id', '=', row.id).execute();
        return reinsert('measurements', [row]);
      },
      /later\.csv\): its measurements were changed after ingest \(19 stored, 20 logged/,
    ));

  it('pointing the champion alias at an older version (and predict refuses to serve it)', () =>
    tamper(
      're-point champion',
      async () => {
        await store.db.updateTable('model_aliases').set({ version_id: 'logd-rf@1' }).where('model', '=', 'logd-rf').where('alias', '=', 'champion').execute();
        await assert.rejects(
          predictFile(store, {
            modelRef: 'logd-rf@champion',
            input: join(dir, `${b.backend}-new0.csv`),
            out: join(dir, `${b.backend}-refused.csv`),
            actor: 'carl',
            workers: 1,
          }),
          (e: unknown) => e instanceof RotguardError && e.code === 'alias_not_in_log',
        );
        return async () =>
          void (await store.db
            .updateTable('model_aliases')
            .set({ version_id: 'logd-rf@2' })
            .where('model', '=', 'logd-rf')
            .where('alias', '=', 'champion')
            .execute());
      },
      /logd-rf@champion points at logd-rf@1, but the log's latest promotion to champion is logd-rf@2/,
    ));

  it('loosening a gate in place', () =>
    tamper(
      'loosen the gate',
      async () => {
        const g = await store.db.selectFrom('gates').selectAll().where('endpoint', '=', 'logd').executeTakeFirstOrThrow();
        const loose = { ...JSON.parse(g.thresholds), maxRmse: 100 };
        await store.db
          .updateTable('gates')
          .set({ thresholds: canonicalJson(loose) })
          .where('hash', '=', g.hash)
          .execute();
        return async () => void (await store.db.updateTable('gates').set({ thresholds: g.thresholds }).where('hash', '=', g.hash).execute());
      },
      /gate .* of logd was edited in place/,
    ));

  it("zeroing a source's file hash", () =>
    tamper(
      'zero a file hash',
      async () => {
        const s = await store.db.selectFrom('sources').select(['id', 'file_sha256']).orderBy('id').executeTakeFirstOrThrow();
        await store.db
          .updateTable('sources')
          .set({ file_sha256: '0'.repeat(64) })
          .where('id', '=', s.id)
          .execute();
        return async () => void (await store.db.updateTable('sources').set({ file_sha256: s.file_sha256 }).where('id', '=', s.id).execute());
      },
      /its file hash 000000000000… differs/,
    ));

  it('appending a correctly chained forged promotion by a fake approver (even with --expect-head of the forged head)', async () => {
    assert.deepEqual(await auditProblems(store), []);
    const head = await eventLogHead(store.db);
    const fields: HashedEventFields = {
      seq: head.seq + 1,
      prev_hash: head.hash,
      id: randomUUID(),
      at: new Date().toISOString(),
      actor: 'fake-approver',
      kind: 'promoted_champion',
      subject: 'logd-rf',
      model: 'logd-rf',
      version_id: 'logd-rf@2',
      reason: 'looks fine',
      payload: canonicalJson({ previous: 'logd-rf@2', gate: null, checks: null, builder: 'ana' }),
    };
    const hash = eventHash(fields);
    // Plain SQL, as anyone with database access could: chained and hashed correctly, but unsigned.
    await sql`insert into events (seq, prev_hash, id, at, actor, kind, subject, model, version_id, reason, payload, hash) values (${fields.seq}, ${fields.prev_hash}, ${fields.id}, ${fields.at}, ${fields.actor}, ${fields.kind}, ${fields.subject}, ${fields.model}, ${fields.version_id}, ${fields.reason}, ${fields.payload}, ${hash})`.execute(
      store.db,
    );
    const v = await verifyEventLog(store.db, { expectHead: hash, key: store.eventKey });
    const caught = !v.ok && v.problems.some((p) => p.problem === 'unsigned' && p.seq === fields.seq);
    tally('tampers', caught);
    assert.ok(caught, JSON.stringify(v.problems));
    assert.equal(v.expectedHeadFound, true, 'the chain itself is intact: only the signature shows the forgery');
    assert.ok((await auditProblems(store)).some((p) => /carries no signature/.test(p)));
  });
});
