import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping, type IngestMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import type { Store } from '../../src/store/store.js';
import { readEvents, verifyEventLog } from '../../src/store/event-log.js';
import { forEachBackend } from '../store/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-ingest-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

export async function setUpSolubility(store: Store): Promise<void> {
  await addEndpoint(
    store,
    { name: 'solubility', unit: 'ug/mL', transform: 'log10', direction: 'higher_is_better', validMin: 0, validMax: 10000, description: 'kinetic solubility' },
    'alice',
  );
  await addProtocolVersion(
    store,
    { protocol: 'sol-uv', endpoint: 'solubility', unit: 'uM', site: 'boston', vendor: 'in-house', parameters: { pH: 7.4 } },
    'alice',
  );
}

const mapping: IngestMapping = validateMapping({
  team: 'chem-a',
  protocol: 'sol-uv',
  columns: { structure: 'smiles', id: 'id', value: 'sol_uM', measured_at: 'assay_date', reported_at: 'report_date', batch: 'batch' },
});

// Every kind of bad row, each on a known line.
const QUIRKS =
  [
    'id,smiles,sol_uM,assay_date,report_date,batch',
    'A1,CC(=O)Oc1ccccc1C(=O)O,100,2024-01-10,2024-02-01,b1', // 2 ok: aspirin 100 µM = 18.02 µg/mL
    'A2,not-a-smiles,50,2024-01-10,2024-02-01,b1', // 3 unparsable
    'A3,CCO,abc,2024-01-10,2024-02-01,b1', // 4 bad value
    'A4,CCCO,5e9,2024-01-10,2024-02-01,b1', // 5 out of range (5e9 µM of propanol ≫ 10 mg/mL)
    'A5,CCCCO,20,2024-02-30,2024-03-01,b1', // 6 impossible date
    'A6,CCCCCO,20,2024-03-01,2024-02-01,b1', // 7 reported before measured
    'A1,CC(=O)Oc1ccccc1C(=O)O,100,2024-01-10,2024-02-01,b1', // 8 duplicate of line 2
    'A7,c1ccccc1O,<5,2024-01-11,2024-02-02,b2', // 9 censored, kept
    'A1,c1ccncc1,30,2024-01-11,2024-02-02,b2', // 10 id A1 already names aspirin
    'A8,CC(=O)Oc1ccccc1C(=O)[O-].[Na+],110,2024-01-12,2024-02-03,b3', // 11 aspirin sodium salt: replicate of A1, kept
    'A9,CCN,,2024-01-12,2024-02-03,b3', // 12 no value
    'A10,CCCN,10,,2024-02-03,b3', // 13 missing date
    'A11,C1CC1N,10', // 14 wrong field count
  ].join('\r\n') + '\r\n';

after(() => rmSync(dir, { recursive: true, force: true }));

forEachBackend('ingest', (b) => {
  before(() => loadRDKit());

  it('commits valid rows, quarantines every bad one with line and reason, and keeps censored values', async () => {
    const store = await b.openFresh();
    await setUpSolubility(store);
    const file = write(`quirks-${b.backend}.csv`, QUIRKS);
    const s = await ingestFile(store, { path: file, mapping, actor: 'bob', quarantineDir: join(dir, `q-${b.backend}`), workers: 1 });
    assert.equal(s.status, 'ingested');
    assert.equal(s.rows, 13);
    assert.equal(s.accepted, 3);
    assert.equal(s.rejected, 10);
    assert.equal(s.standardized, 1);
    const report = readFileSync(s.quarantine!, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').slice(0, 3).join(','));
    assert.deepEqual(report, [
      '3,A2,unparsable_structure',
      '4,A3,bad_value',
      '5,A4,out_of_range',
      '6,A5,impossible_date',
      '7,A6,impossible_dates',
      '8,A1,duplicate_row',
      '10,A1,id_conflict',
      '12,A9,no_value',
      '13,A10,missing_date',
      '14,A11,malformed_row',
    ]);
    assert.equal((await store.blobs.get(s.quarantineBlob!)).toString('utf8'), readFileSync(s.quarantine!, 'utf8'));
    const rows = await store.db.selectFrom('measurements').selectAll().orderBy('source_line').execute();
    assert.deepEqual(
      rows.map((r) => [r.source_line, r.qualifier, r.batch, r.site, r.measured_at]),
      [
        [2, '=', 'b1', 'boston', '2024-01-10'],
        [9, '<', 'b2', 'boston', '2024-01-11'],
        [11, '=', 'b3', 'boston', '2024-01-12'],
      ],
    );
    // 100 µM aspirin (180.16 g/mol) in the endpoint's µg/mL.
    assert.ok(Math.abs(rows[0]!.value - 18.0159) < 1e-3, String(rows[0]!.value));
    assert.equal(rows[0]!.inchikey, rows[2]!.inchikey, 'the salt is the same compound');
    assert.equal(rows[0]!.raw_value, '100');
    const aliases = await store.db.selectFrom('compound_aliases').selectAll().orderBy('external_id').execute();
    assert.deepEqual(
      aliases.map((a) => a.external_id),
      ['A1', 'A7', 'A8'],
    );
    assert.equal((await store.db.selectFrom('compounds').select('inchikey').execute()).length, 2);
  });

  it('treats the same file under the same mapping as a no-op, and the same rows in another file as duplicates', async () => {
    const store = await b.openFresh();
    await setUpSolubility(store);
    const file = write(`again-${b.backend}.csv`, QUIRKS);
    const first = await ingestFile(store, { path: file, mapping, actor: 'bob', quarantineDir: dir, workers: 1 });
    const second = await ingestFile(store, { path: file, mapping, actor: 'bob', quarantineDir: dir, workers: 1 });
    assert.equal(second.status, 'already_ingested');
    assert.equal(second.source, first.source);
    assert.equal((await store.db.selectFrom('measurements').select('id').execute()).length, 3);
    const copy = write(`copy-${b.backend}.csv`, QUIRKS.split('\r\n').slice(0, 3).join('\n') + '\nA12,CCOCC,7,2024-01-13,2024-02-04,b4\n');
    const third = await ingestFile(store, { path: copy, mapping, actor: 'bob', quarantineDir: dir, workers: 1 });
    assert.equal(third.accepted, 1);
    assert.equal(third.rejectReasons.duplicate_of_existing, 1);
    // Each real ingest is an event in the same transaction; the no-op re-ingest is none.
    const logged = await readEvents(store.db, { kind: 'source_ingested' });
    assert.deepEqual(
      logged.map((e) => e.subject),
      [`source:${first.source}`, `source:${third.source}`],
    );
    const payload = JSON.parse(logged[0]!.payload) as { fileSha256: string; rows: number; accepted: number; rejected: number };
    assert.deepEqual([payload.fileSha256, payload.rows, payload.accepted, payload.rejected], [first.fileSha256, first.rows, first.accepted, first.rejected]);
    assert.equal(logged[0]!.actor, 'bob');
    assert.ok((await verifyEventLog(store.db)).ok);
  });

  it('writes nothing when the commit fails', async () => {
    const store = await b.openFresh();
    await setUpSolubility(store);
    const file = write(`fail-${b.backend}.csv`, QUIRKS);
    await assert.rejects(
      ingestFile(store, {
        path: file,
        mapping,
        actor: 'bob',
        quarantineDir: dir,
        workers: 1,
        beforeCommit: async () => {
          // Break the commit half-way: sources, compounds and aliases go in, then measurements cannot.
          await sql`drop table measurements`.execute(store.db);
        },
      }),
    );
    for (const table of ['sources', 'compounds', 'compound_aliases', 'teams'] as const) {
      assert.equal((await store.db.selectFrom(table).selectAll().execute()).length, 0, table);
    }
    assert.equal((await readEvents(store.db, { kind: 'source_ingested' })).length, 0, 'no event for an ingest that did not commit');
  });

  it('reads SDF files with data fields', async () => {
    const store = await b.openFresh();
    await setUpSolubility(store);
    const mol = (smilesName: string, block: string, fields: Record<string, string>) =>
      `${smilesName}\n  rotguard\n\n${block}\n${Object.entries(fields)
        .map(([k, v]) => `> <${k}>\n${v}\n`)
        .join('\n')}\n$$$$\n`;
    const ethanol =
      '  3  2  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 C   0  0\n    1.2990    0.7500    0.0000 C   0  0\n    2.5981   -0.0000    0.0000 O   0  0\n  1  2  1  0\n  2  3  1  0\nM  END';
    // A bond to atom 3 of a 2-atom molecule: RDKit cannot read it.
    const broken =
      '  2  1  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 C   0  0\n    1.2990    0.7500    0.0000 O   0  0\n  1  3  1  0\nM  END';
    const sdf = write(
      `in-${b.backend}.sdf`,
      mol('ethanol', ethanol, { ID: 'S1', SOL: '42', DATE: '2024-05-01' }) + mol('broken', broken, { ID: 'S2', SOL: '3', DATE: '2024-05-01' }),
    );
    const m = validateMapping({ team: 'chem-b', protocol: 'sol-uv', columns: { id: 'ID', value: 'SOL', measured_at: 'DATE' } });
    const s = await ingestFile(store, { path: sdf, mapping: m, actor: 'carol', quarantineDir: dir, workers: 1 });
    assert.equal(s.accepted, 1);
    assert.equal(s.rejected, 1);
    const q = readFileSync(s.quarantine!, 'utf8');
    assert.match(q, /\n21,S2,unparsable_structure/); // the second record starts on line 21
    const [row] = await store.db.selectFrom('measurements').selectAll().execute();
    assert.equal(row!.inchikey, 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N');
  });

  it('refuses a mapping whose columns are not in the file, naming them', async () => {
    const store = await b.openFresh();
    await setUpSolubility(store);
    const file = write(`cols-${b.backend}.csv`, 'id,smiles,value\n1,CCO,3\n');
    await assert.rejects(
      ingestFile(store, { path: file, mapping, actor: 'bob', quarantineDir: dir, workers: 1 }),
      (e: unknown) =>
        e instanceof RotguardError && e.code === 'missing_columns' && /value → "sol_uM"/.test(e.message) && /measured_at → "assay_date"/.test(e.message),
    );
  });
});
