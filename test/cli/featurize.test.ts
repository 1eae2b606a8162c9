import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { REPO, runCli } from '../helpers/cli.js';

let dir: string;

function rotguard(...args: string[]) {
  return runCli(dir, {}, args, 1 << 26);
}

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));
}

describe('rotguard featurize', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rotguard-featurize-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('featurizes a CSV, keeps input order and reports bad rows with line and reason', () => {
    writeFileSync(
      join(dir, 'mixed.csv'),
      ['id,smiles,extra', 'a,CCO,1', 'b,not_a_smiles,2', 'c,c1ccccc1C(=O)[O-].[Na+],3', 'd,,4', 'e,C1CC,5', 'f,CN1CCCC1,6'].join('\n') + '\n',
    );
    const r = rotguard('featurize', 'mixed.csv', '--out', 'mixed.features.csv', '--json', '--workers', '2');
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.rows, 6);
    assert.equal(summary.accepted, 3);
    assert.equal(summary.rejected, 3);
    assert.equal(summary.standardized, 1);
    assert.equal(summary.featureVersion.descriptors, 'rdkit-desc@1');
    const out = csvRows(join(dir, 'mixed.features.csv'));
    assert.deepEqual(
      out.slice(1).map((row) => row[1]),
      ['a', 'c', 'f'],
    );
    assert.deepEqual(
      out.slice(1).map((row) => row[0]),
      ['2', '4', '7'],
    );
    assert.equal(out[2]![3], 'O=C(O)c1ccccc1'); // benzoate salt → benzoic acid
    const rejects = csvRows(join(dir, 'mixed.features.rejects.csv'));
    assert.deepEqual(rejects[0], ['line', 'id', 'input', 'code', 'reason']);
    assert.deepEqual(
      rejects.slice(1).map((row) => [row[0], row[1], row[3]]),
      [
        ['3', 'b', 'unparsable_structure'],
        ['5', 'd', 'empty_structure'],
        ['6', 'e', 'unparsable_structure'],
      ],
    );
  });

  it('reads Windows line endings, a BOM and quoted fields', () => {
    writeFileSync(join(dir, 'crlf.csv'), '\ufeff"Compound ID","SMILES"\r\n"X-1","CC(=O)Oc1ccccc1C(=O)O"\r\n"X,2","CN1C=NC2=C1C(=O)N(C)C(=O)N2C"\r\n');
    const r = rotguard('featurize', 'crlf.csv', '--out', 'crlf.out.csv', '--id-column', 'Compound ID', '--json');
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(join(dir, 'crlf.out.csv'), 'utf8');
    assert.doesNotMatch(text, /\r/);
    assert.match(text, /BSYNRYMUTXBXSQ-UHFFFAOYSA-N/); // aspirin
    assert.match(text, /"X,2",.*RYYVLZVUVIJVGH-UHFFFAOYSA-N/); // caffeine, id quoted back
  });

  it('reads .smi files with and without names', () => {
    writeFileSync(join(dir, 'in.smi'), '# comment\nCCO ethanol\nc1ccccc1\n');
    const r = rotguard('featurize', 'in.smi', '--out', 'smi.csv', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = csvRows(join(dir, 'smi.csv'));
    assert.deepEqual(
      out.slice(1).map((row) => row[1]),
      ['ethanol', '3'],
    );
  });

  it('refuses an empty file, a header without rows and a file without a SMILES column, writing nothing', () => {
    writeFileSync(join(dir, 'empty.csv'), '');
    writeFileSync(join(dir, 'header.csv'), 'id,smiles\n');
    writeFileSync(join(dir, 'wrong.csv'), 'id,structure_text\n1,CCO\n');
    const empty = rotguard('featurize', 'empty.csv', '--out', 'e.csv');
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /empty\.csv is empty/);
    const header = rotguard('featurize', 'header.csv', '--out', 'h.csv', '--json');
    assert.equal(header.code, 1);
    assert.equal(JSON.parse(header.stdout).error.code, 'no_rows');
    const wrong = rotguard('featurize', 'wrong.csv', '--out', 'w.csv');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /no SMILES column among \[id, structure_text\].*--smiles-column/);
    const named = rotguard('featurize', 'wrong.csv', '--out', 'w.csv', '--smiles-column', 'nope');
    assert.equal(named.code, 1);
    assert.match(named.stderr, /no SMILES column "nope"/);
    for (const f of ['e.csv', 'h.csv', 'w.csv', 'e.rejects.csv', 'h.rejects.csv', 'w.rejects.csv']) assert.equal(existsSync(join(dir, f)), false, f);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('rejects a missing file and bad flags with exit code 1', () => {
    const missing = rotguard('featurize', 'nope.csv', '--out', 'x.csv');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read nope\.csv: ENOENT/);
    const bits = rotguard('featurize', 'nope.csv', '--out', 'x.csv', '--bits', '1000');
    assert.equal(bits.code, 1);
    assert.match(bits.stderr, /multiple of 32/);
    const unknown = rotguard('featurize', '--frobnicate');
    assert.equal(unknown.code, 1);
  });

  it('featurizes 10,000 rows end to end with malformed rows in between', () => {
    const smiles = combinatorialSmiles(10_000);
    const lines = ['id,smiles'];
    smiles.forEach((s, i) => {
      if (i % 1000 === 999)
        lines.push(`bad${i},C1CC(`); // unparsable
      else if (i % 2500 === 1)
        lines.push(`short${i}`); // missing field
      else lines.push(`m${i},${s}`);
    });
    writeFileSync(join(dir, 'big.csv'), lines.join('\r\n') + '\r\n');
    const r = rotguard('featurize', 'big.csv', '--out', 'big.out.csv', '--json');
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.rows, 10_000);
    assert.equal(summary.rejected, 14);
    assert.deepEqual(summary.rejectReasons, { unparsable_structure: 10, wrong_field_count: 4 });
    assert.equal(summary.accepted, 9_986);
    const out = csvRows(join(dir, 'big.out.csv'));
    assert.equal(out.length, 9_987);
    const lineNumbers = out.slice(1).map((row) => Number(row[0]));
    assert.ok(
      lineNumbers.every((n, i) => i === 0 || n > lineNumbers[i - 1]!),
      'output keeps input order',
    );
    const rejects = csvRows(join(dir, 'big.out.rejects.csv')).slice(1);
    assert.deepEqual(
      rejects.slice(0, 2).map((row) => [row[0], row[3]]),
      [
        ['3', 'wrong_field_count'],
        ['1001', 'unparsable_structure'],
      ],
    );
    // Every accepted row has a 2048-bit fingerprint (512 hex digits) and an InChIKey.
    for (const row of out.slice(1, 50)) {
      assert.match(row[4]!, /^[A-Z]{14}-[A-Z]{10}-[A-Z]$/);
      assert.equal(row[row.length - 1]!.length, 512);
    }
  });
});

describe('rotguard featurize on the shared data sets', () => {
  const shared = resolve(REPO, '../shared/data');
  const sets = existsSync(shared)
    ? readdirSync(shared).flatMap((d) =>
        existsSync(join(shared, d))
          ? readdirSync(join(shared, d))
              .filter((f) => f.endsWith('.csv'))
              .map((f) => join(shared, d, f))
          : [],
      )
    : [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rotguard-featurize-shared-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('featurizes every shared CSV without internal errors', { skip: sets.length ? false : `no data sets: ${shared} is absent` }, () => {
    for (const set of sets) {
      const out = join(dir, 'shared.csv');
      const r = rotguard('featurize', set, '--out', out, '--json');
      assert.equal(r.code, 0, `${set}: ${r.stderr}`);
      const summary = JSON.parse(r.stdout);
      assert.equal(summary.accepted + summary.rejected, summary.rows);
      assert.equal(summary.rejectReasons.internal_error ?? 0, 0);
      assert.ok(summary.accepted > 0.95 * summary.rows, `${set}: only ${summary.accepted} of ${summary.rows} accepted`);
    }
  });
});
