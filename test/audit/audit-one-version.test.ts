import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { validateMapping } from '../../src/data/mapping.js';
import { readEvents } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { audit, verifyLog } from '../../src/usecases/audit.js';
import { createContext } from '../../src/usecases/context.js';
import { ingest } from '../../src/usecases/data.js';
import { buildModel } from '../../src/usecases/models.js';
import { monitor } from '../../src/usecases/monitoring.js';
import { predict } from '../../src/usecases/predict.js';
import { addEndpoint, addProtocol } from '../../src/usecases/standards.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend } from '../store/backends.js';

/**
 * The audit of one model version (bench/scale times it at 10 M predictions): it reports
 * that version alone, counts only its predictions, checks store against log only for what
 * the version depends on (a tampered source behind another model is the full audit's
 * finding, not this one's), and still catches tampering with its own training data.
 * The other model's name (`logdxrf`) matches `logd_rf` as a LIKE pattern: the audit selects by exact id.
 */
const dir = mkdtempSync(join(tmpdir(), 'rotguard-audit-version-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => loadRDKit());

async function twoModels(store: Store, tag: string) {
  const ctx = createContext(store, { actor: 'ana' });
  const smiles = combinatorialSmiles(200);
  for (const [endpoint, protocol] of [
    ['logd', 'shake'],
    ['sol', 'kinetic'],
  ] as const) {
    await addEndpoint(ctx, {
      name: endpoint,
      unit: 'ratio',
      transform: 'none',
      direction: 'higher_is_better',
      validMin: null,
      validMax: null,
      description: '',
    });
    await addProtocol(ctx, { protocol, endpoint, unit: 'ratio', site: 's', vendor: 'v', parameters: {} });
    const file = join(dir, `${tag}-${endpoint}.csv`);
    const offset = endpoint === 'logd' ? 0 : 70;
    writeFileSync(
      file,
      [
        'id,smiles,y,measured,reported',
        ...smiles.slice(offset, offset + 130).map((s, i) => `${endpoint}-${offset + i},${s},${((s.length % 11) / 3).toFixed(3)},2024-01-02,2024-01-20`),
      ].join('\n') + '\n',
    );
    const mapping = validateMapping({
      team: 'chem',
      protocol,
      columns: { id: 'id', structure: 'smiles', value: 'y', measured_at: 'measured', reported_at: 'reported' },
    });
    await ingest(ctx, { path: file, mapping, workers: 1, quarantineDir: dir });
  }
  const recipe = (model: string, endpoint: string) =>
    validateRecipe({
      model,
      team: 'chem',
      endpoint,
      dataset: { aggregate: 'mean' },
      algorithm: 'random-forest',
      params: { nEstimators: 5 },
      split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
      seed: 1,
    });
  await buildModel(ctx, recipe('logd_rf', 'logd'));
  await buildModel(ctx, recipe('logdxrf', 'sol'));
  const input = join(dir, `${tag}-new.csv`);
  writeFileSync(input, ['id,smiles', ...smiles.slice(150, 200).map((s, i) => `n${i},${s}`)].join('\n') + '\n');
  for (const [ref, n] of [
    ['logd_rf@1', 1],
    ['logdxrf@1', 2],
  ] as const)
    for (let k = 0; k < n; k++)
      await predict(createContext(store, { actor: 'carl' }), { modelRef: ref, input, out: join(dir, `${tag}-${ref}-${k}.csv`), workers: 1 });
  await monitor(ctx, { model: 'logd_rf', window: 'week' });
  return ctx;
}

const aMeasurementOf = async (store: Store, endpoint: string) =>
  (await store.db.selectFrom('measurements').select(['id', 'source']).where('endpoint', '=', endpoint).orderBy('id').limit(1).executeTakeFirstOrThrow()).id;

forEachBackend('audit of one model version', (b) => {
  it('reports only that version, and checks the store against the log only where the version depends on it', async () => {
    const store = await b.openFresh();
    const ctx = await twoModels(store, b.backend);

    const one = await audit(ctx, { version: 'logd_rf@1' });
    assert.deepEqual(
      one.models.map((m) => m.version),
      ['logd_rf@1'],
    );
    assert.equal(one.summary.predictions, 50, 'the version’s own predictions, not the workspace’s 150');
    assert.equal(one.eventLog.ok, true);
    assert.equal(one.models[0]!.controls.find((c) => c.control === 'serve.predictions_traceable')!.status, 'pass');
    const all = await audit(ctx);
    assert.equal(all.models.length, 2);
    assert.equal(all.summary.predictions, 150);

    // A measurement behind the other model edited in place: the full audit finds it, the per-version one is not about it.
    await store.db
      .updateTable('measurements')
      .set({ value: 99 })
      .where('id', '=', await aMeasurementOf(store, 'sol'))
      .execute();
    assert.equal((await audit(ctx)).eventLog.ok, false);
    assert.equal((await audit(ctx, { version: 'logd_rf@1' })).eventLog.ok, true);
    assert.equal((await audit(ctx, { version: 'logdxrf@1' })).eventLog.ok, false);

    // One behind this version: its audit finds it.
    await store.db
      .updateTable('measurements')
      .set({ value: 99 })
      .where('id', '=', await aMeasurementOf(store, 'logd'))
      .execute();
    const tampered = await audit(ctx, { version: 'logd_rf@1' });
    assert.equal(tampered.eventLog.ok, false);
    assert.match(tampered.eventLog.problems.join('\n'), /measurements were changed after ingest/);

    await assert.rejects(audit(ctx, { version: 'nope@1' }), (e) => e instanceof RotguardError && e.code === 'unknown_model');
  });

  it('verifies the event log from the latest checkpoint, re-checks its own events, and says exactly what it verified', async () => {
    const store = await b.openFresh();
    const ctx = await twoModels(store, `${b.backend}-cp`);
    const before = await audit(ctx, { version: 'logd_rf@1' });
    assert.equal(before.eventLog.fromCheckpoint, null);
    assert.match(before.eventLog.verified!, /verified whole, from event 1 .*no checkpoint recorded/);

    const full = await verifyLog(ctx, { checkpoint: true });
    assert.equal(full.checkpoint?.seq, full.headSeq);
    // Events after the checkpoint: another request of this version, and one of the other model.
    for (const modelRef of ['logd_rf@1', 'logdxrf@1'])
      await predict(createContext(store, { actor: 'carl' }), {
        modelRef,
        input: join(dir, `${b.backend}-cp-new.csv`),
        out: join(dir, 'cp-again.csv'),
        workers: 1,
      });
    const one = await audit(ctx, { version: 'logd_rf@1' });
    assert.equal(one.eventLog.ok, true, one.eventLog.problems.join('\n'));
    assert.equal(one.eventLog.fromCheckpoint?.seq, full.headSeq);
    assert.equal(one.eventLog.events, one.eventLog.headSeq! - full.headSeq, 'only the events after the checkpoint walked');
    assert.match(one.eventLog.verified!, new RegExp(`from checkpoint event ${full.headSeq} .* to the head \\(event ${one.eventLog.headSeq}\\)`));
    assert.equal(one.summary.predictions, 100);

    await dropProtection(store);
    const editReason = async (seq: number, reason: string) => store.db.updateTable('events').set({ reason }).where('seq', '=', seq).execute();
    const [other] = await readEvents(store.db, { model: 'logdxrf', kind: 'registered' });
    const [own] = await readEvents(store.db, { model: 'logd_rf', kind: 'predicted' });
    const after = (await readEvents(store.db, { afterSeq: full.headSeq })).find((e) => e.model !== 'logd_rf')!;
    assert.ok(other!.seq < full.headSeq && own!.seq < full.headSeq && after);

    // Before the checkpoint, another model's event: the full verification finds it; this audit says it did not look.
    await editReason(other!.seq, 'tampered');
    assert.equal((await audit(ctx, { version: 'logd_rf@1' })).eventLog.ok, true);
    const verify = await verifyLog(ctx);
    assert.deepEqual(
      verify.problems.map((p) => [p.problem, p.seq]),
      [['edited', other!.seq]],
    );
    assert.equal((await audit(ctx)).eventLog.ok, false);
    await editReason(other!.seq, other!.reason);

    // Before the checkpoint, one of this version's own events: found by re-checking it.
    await editReason(own!.seq, 'tampered');
    const ownTampered = await audit(ctx, { version: 'logd_rf@1' });
    assert.equal(ownTampered.eventLog.ok, false);
    assert.match(ownTampered.eventLog.problems.join('\n'), new RegExp(`event ${own!.seq} .* was edited`));
    await editReason(own!.seq, own!.reason);

    // After the checkpoint, any event: found by the walk from it.
    await editReason(after.seq, 'tampered');
    const afterTampered = await audit(ctx, { version: 'logd_rf@1' });
    assert.equal(afterTampered.eventLog.ok, false);
    assert.match(afterTampered.eventLog.problems.join('\n'), new RegExp(`event ${after.seq} .* was edited`));
    await editReason(after.seq, after.reason);
    assert.equal((await audit(ctx, { version: 'logd_rf@1' })).eventLog.ok, true);

    // A forged checkpoint at the head (a MAC not made with this workspace's key) is refused, and the whole log verified.
    const head = await verifyLog(ctx);
    await store.db
      .insertInto('event_checkpoints')
      .values({
        seq: head.headSeq,
        hash: head.headHash,
        events: head.events,
        verified_at: new Date().toISOString(),
        verified_by: 'mallory',
        mac: 'a'.repeat(64),
      })
      .execute();
    const forged = await audit(ctx, { version: 'logd_rf@1' });
    assert.equal(forged.eventLog.ok, false);
    assert.equal(forged.eventLog.fromCheckpoint, null);
    assert.equal(forged.eventLog.events, head.headSeq);
    assert.match(forged.eventLog.problems.join('\n'), /checkpoint at event \d+ .* MAC this workspace's event key did not make/);
    assert.match(forged.eventLog.verified!, /verified whole.*refused/);
  });
});

/** What someone with direct access to the database could do: remove the event log's append-only triggers. */
async function dropProtection(store: Store): Promise<void> {
  if (store.backend === 'postgres') await sql`drop trigger events_append_only on events`.execute(store.db);
  else {
    await sql`drop trigger events_no_update`.execute(store.db);
    await sql`drop trigger events_no_delete`.execute(store.db);
  }
}
