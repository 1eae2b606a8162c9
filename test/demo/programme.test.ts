import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { DEFAULT_MORGAN, morganFingerprint, wordsFor } from '../../src/chem/fingerprint.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { murckoScaffolds } from '../../src/chem/scaffold.js';
import { fingerprintSet, tanimotoOneToMany } from '../../src/chem/similarity.js';
import { release, standardize } from '../../src/chem/standardize.js';
import type { RotguardError } from '../../src/core/errors.js';
import {
  assemble,
  combination,
  esol,
  ESTABLISHED_SERIES,
  identifyMolecule,
  makeMolecule,
  NEW_SERIES,
  poolSize,
  REFERENCE_DRUGS,
  SeriesEsolTerms,
  type IdentifiedMolecule,
  type MadeMolecule,
  type SeriesDefinition,
} from '../../src/demo/chemistry.js';
import {
  compoundsToPredict,
  CSV_COLUMNS,
  generateProgramme,
  historyCsv,
  programmeWeekCsv,
  type DemoMeasurement,
  type Programme,
} from '../../src/demo/programme.js';
import { defaultScenario, resolveScenario, type Scenario } from '../../src/demo/scenario.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-26T12:00:00Z'); // a Thursday: the programme starts Monday 2025-11-24

/** A small scenario for the properties that need several generations (determinism, seeds, workers). */
function small(overrides: Record<string, unknown> = {}): Scenario {
  return resolveScenario(defaultScenario(NOW), {
    historyWeeks: 4,
    weeks: 8,
    compoundsPerWeek: 10,
    newSeries: { week: 3 },
    protocolChange: { week: 5 },
    references: { count: 3 },
    ...overrides,
  });
}

function days(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / DAY;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

describe('demo programme: determinism', () => {
  before(loadRDKit);

  it('the same scenario gives the identical programme; another seed different compounds and noise', async () => {
    const s = small();
    const a = await generateProgramme(s);
    const b = await generateProgramme(s);
    assert.deepEqual(a.compounds, b.compounds);
    assert.deepEqual(a.measurements, b.measurements);
    assert.deepEqual(a.series, b.series);
    assert.deepEqual(a.references, b.references);

    const c = await generateProgramme({ ...s, seed: s.seed + 1 });
    const smilesA = new Set(a.compounds.map((x) => x.smiles));
    const shared = c.compounds.filter((x) => smilesA.has(x.smiles)).length;
    assert.ok(shared < c.compounds.length * 0.1, `another seed should make mostly other compounds (${shared} of ${c.compounds.length} shared)`);
    // Reference compounds are the same drugs under every seed; their measured values differ by the noise.
    const refA = a.measurements.filter((m) => m.compoundId.startsWith('REF-')).map((m) => m.logS);
    const refC = c.measurements.filter((m) => m.compoundId.startsWith('REF-')).map((m) => m.logS);
    assert.equal(refA.length, refC.length);
    assert.ok(
      refA.some((v, i) => v !== refC[i]),
      'noise must depend on the seed',
    );
  });

  it('the noise level does not change which compounds are made (separate random streams)', async () => {
    const a = await generateProgramme(small());
    const b = await generateProgramme(small({ noiseSd: 0.5, secondSite: { share: 0.6 } }));
    assert.deepEqual(b.compounds, a.compounds);
  });

  it('worker threads give the identical programme', async () => {
    const s = small();
    const a = await generateProgramme(s);
    const b = await generateProgramme(s, { workers: 2 });
    assert.deepEqual(b.compounds, a.compounds);
    assert.deepEqual(b.measurements, a.measurements);
  });

  it('a scenario that needs more compounds than a series has fails before any chemistry, naming compoundsPerWeek', async () => {
    const s = resolveScenario(defaultScenario(NOW), { compoundsPerWeek: 200, weeks: 260, historyWeeks: 260, newSeries: { week: 200 } });
    await assert.rejects(generateProgramme(s), (e: RotguardError) => {
      assert.equal(e.code, 'scenario_too_large');
      assert.equal(e.location.field, 'compoundsPerWeek');
      return true;
    });
  });
});

describe('demo programme: the default year', () => {
  const s = defaultScenario(NOW);
  let p: Programme;
  let seconds = 0;
  let cpuSeconds = 0;
  /** Independent re-standardization of every compound: identity, scaffold, fingerprint. */
  const checked = new Map<string, { smiles: string; inchikey: string; changes: string[]; scaffold: string; fp: Uint32Array }>();

  before(async () => {
    await loadRDKit();
    const t = performance.now();
    const cpu = process.cpuUsage();
    p = await generateProgramme(s);
    seconds = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    cpuSeconds = (used.user + used.system) / 1e6;
    for (const c of [...p.references, ...p.compounds]) {
      const std = standardize(c.smiles);
      try {
        checked.set(c.id, {
          smiles: std.smiles,
          inchikey: std.inchikey,
          changes: std.changes,
          scaffold: murckoScaffolds(std.graph).scaffold,
          fp: morganFingerprint(std.mol, DEFAULT_MORGAN),
        });
      } finally {
        release(std);
      }
    }
  });

  it('starts on the Monday 52 weeks before today and numbers weeks from it', () => {
    assert.equal(s.start, '2025-11-24');
    assert.equal(p.weekStart(1).toISOString(), '2025-11-24T00:00:00.000Z');
    assert.equal(p.weekStart(0).toISOString(), '2025-11-17T00:00:00.000Z');
    assert.equal(p.weekStart(52).getUTCDay(), 1);
    assert.equal(p.weekStart(53).toISOString().slice(0, 10), '2026-11-23', 'the year ends this Monday');
  });

  it('makes compoundsPerWeek new compounds every history and programme week, each once', () => {
    assert.equal(p.compounds.length, (s.historyWeeks + s.weeks) * s.compoundsPerWeek);
    for (let w = 1 - s.historyWeeks; w <= s.weeks; w++) assert.equal(p.compounds.filter((c) => c.week === w).length, s.compoundsPerWeek, `week ${w}`);
    assert.equal(new Set(p.compounds.map((c) => c.id)).size, p.compounds.length);
    assert.equal(new Set(p.compounds.map((c) => c.smiles)).size, p.compounds.length);
    assert.equal(p.references.length, s.references.count);
    assert.deepEqual(
      p.references.map((r) => r.id),
      REFERENCE_DRUGS.slice(0, 6).map((d) => `REF-${d.name}`),
    );
  });

  it('every molecule is valid, already standard (standardize changes nothing) and unique by InChIKey', () => {
    const keys = new Set<string>();
    for (const c of [...p.references, ...p.compounds]) {
      const x = checked.get(c.id)!;
      assert.equal(x.smiles, c.smiles, `${c.id} is RDKit's canonical SMILES`);
      assert.deepEqual(x.changes, [], c.id);
      assert.equal(x.inchikey, p.chemistry.get(c.id)!.inchikey, c.id);
      keys.add(x.inchikey);
    }
    assert.equal(keys.size, p.references.length + p.compounds.length, 'InChIKeys are unique');
    for (const pool of p.pools) assert.equal(pool.rejected + pool.duplicates, 0, `${pool.series}: every enumerated combination is a valid, new molecule`);
  });

  it('truth is ESOL plus the series effect, within −8..0; references are ESOL alone', () => {
    const effect = new Map(p.series.map((x) => [x.name, x.effect]));
    assert.equal(effect.get(NEW_SERIES.name), s.newSeries.effect);
    for (const c of p.compounds) {
      const chem = p.chemistry.get(c.id)!;
      assert.equal(chem.esol, esol(chem.esolInputs));
      assert.equal(c.truth, chem.esol + effect.get(c.series)!, c.id);
      assert.ok(c.truth > -8 && c.truth < 0, `${c.id} truth ${c.truth}`);
    }
    for (const r of p.references) assert.equal(r.truth, p.chemistry.get(r.id)!.esol);
    // An independent recomputation from each compound's own RDKit descriptors, for a spread of
    // compounds (the generator adds up per-R-group terms: see SeriesEsolTerms). Descriptor
    // sums over a different atom order may differ in the last bits, hence the tiny tolerance.
    for (const c of p.compounds.filter((_, i) => i % 13 === 0)) {
      const m = makeMolecule(c.smiles) as MadeMolecule;
      const g = p.chemistry.get(c.id)!.esolInputs;
      assert.ok(Math.abs(m.esolInputs.clogp - g.clogp) < 1e-9, `${c.id} clogP`);
      assert.ok(Math.abs(m.esolInputs.mw - g.mw) < 1e-9, `${c.id} MW`);
      assert.equal(m.esolInputs.rotatableBonds, g.rotatableBonds, `${c.id} rotatable bonds`);
      assert.equal(m.esolInputs.aromaticProportion, g.aromaticProportion, `${c.id} AP`);
      assert.ok(Math.abs(m.esol + effect.get(c.series)! - c.truth) < 1e-9, `${c.id}: ${m.esol + effect.get(c.series)!} vs ${c.truth}`);
    }
  });

  it('measures each compound once, in the week it was made; every assay value in −8..0 logS', () => {
    const perCompound = new Map<string, DemoMeasurement[]>();
    for (const m of p.measurements) (perCompound.get(m.compoundId) ?? perCompound.set(m.compoundId, []).get(m.compoundId)!).push(m);
    for (const c of p.compounds) {
      const ms = perCompound.get(c.id) ?? [];
      assert.equal(ms.length, 1, c.id);
      assert.equal(ms[0]!.week, c.week);
      assert.equal(ms[0]!.smiles, c.smiles);
    }
    for (const m of p.measurements) {
      assert.ok(m.logS > -8 && m.logS < 0, `${m.compoundId} in ${m.batch}: logS ${m.logS}`);
      assert.ok(Math.abs(m.valueUM - 10 ** m.logS * 1e6) <= 1e-12 * m.valueUM);
      const monday = p.weekStart(m.week).getTime();
      const measured = Date.parse(m.measuredAt);
      assert.ok(measured >= monday && measured < monday + 5 * DAY, `${m.batch} measured on a weekday of its week`);
    }
  });

  it('sorts measurements by reportedAt, then batch, then compound', () => {
    for (let i = 1; i < p.measurements.length; i++) {
      const a = p.measurements[i - 1]!;
      const b = p.measurements[i]!;
      const key = (m: DemoMeasurement) => [m.reportedAt, m.batch, m.compoundId];
      assert.ok(key(a).join('\u0000') < key(b).join('\u0000'), `${key(a)} before ${key(b)}`);
    }
  });

  it('reports labels 2–6 weeks after measurement, one delay per batch; history is all reported before week 1', () => {
    const delays = new Map<string, Set<number>>();
    for (const m of p.measurements) {
      const d = days(m.measuredAt, m.reportedAt);
      if (m.week >= 1) assert.ok(d >= 7 * s.labelDelayWeeks.min && d <= 7 * s.labelDelayWeeks.max, `${m.batch}: ${d} days`);
      else {
        assert.ok(m.reportedAt < s.start, `history ${m.batch} reported ${m.reportedAt}`);
        assert.ok(d >= 0);
      }
      (delays.get(m.batch) ?? delays.set(m.batch, new Set()).get(m.batch)!).add(d);
    }
    for (const [batch, set] of delays) assert.equal(set.size, 1, `${batch}: one delay per batch`);
    const programmeDelays = p.measurements.filter((m) => m.week >= 1).map((m) => days(m.measuredAt, m.reportedAt));
    assert.ok(Math.min(...programmeDelays) <= 18 && Math.max(...programmeDelays) >= 38, 'delays spread over the range');
  });

  it('runs a batch every week at each site with every reference compound in it', () => {
    const byBatch = new Map<string, DemoMeasurement[]>();
    for (const m of p.measurements) (byBatch.get(m.batch) ?? byBatch.set(m.batch, []).get(m.batch)!).push(m);
    assert.equal(byBatch.size, 2 * (s.historyWeeks + s.weeks));
    const refIds = p.references.map((r) => r.id).sort();
    for (const [batch, rows] of byBatch) {
      assert.deepEqual(
        rows
          .filter((m) => m.compoundId.startsWith('REF-'))
          .map((m) => m.compoundId)
          .sort(),
        refIds,
        batch,
      );
      assert.equal(
        new Set(rows.map((m) => `${m.site}|${m.week}|${m.measuredAt}|${m.reportedAt}|${m.protocolVersion}`)).size,
        1,
        `${batch} is one site, week, date and protocol version`,
      );
    }
  });

  it('runs protocol version 2 at site 1 only, from the change week', () => {
    for (const m of p.measurements) {
      assert.equal(m.protocol, m.site === 'site-1' ? 'sol-site1' : 'sol-site2');
      const v2 = m.site === 'site-1' && m.week >= s.protocolChange.week;
      assert.equal(m.protocolVersion, v2 ? 2 : 1, `${m.batch}`);
    }
    // Reference compounds at site 1 move by the protocol shift.
    const truth = new Map(p.references.map((r) => [r.id, r.truth]));
    const err = (v: number) =>
      p.measurements
        .filter((m) => m.site === 'site-1' && m.compoundId.startsWith('REF-') && m.protocolVersion === v)
        .map((m) => m.logS - truth.get(m.compoundId)!);
    const shift = mean(err(2)) - mean(err(1));
    assert.ok(Math.abs(shift - s.protocolChange.shift) < 0.06, `reference shift ${shift}`);
  });

  it('measures about secondSite.share of compounds at site 2, offset by secondSite.offset', () => {
    const made = p.measurements.filter((m) => !m.compoundId.startsWith('REF-'));
    const share = made.filter((m) => m.site === 'site-2').length / made.length;
    assert.ok(Math.abs(share - s.secondSite.share) < 0.04, `site-2 share ${share}`);
    const truth = new Map([...p.compounds, ...p.references].map((c) => [c.id, c.truth]));
    const residual = (site: string) => p.measurements.filter((m) => m.site === site && m.protocolVersion === 1).map((m) => m.logS - truth.get(m.compoundId)!);
    const offset = mean(residual('site-2')) - mean(residual('site-1'));
    assert.ok(Math.abs(offset - s.secondSite.offset) < 0.05, `site-2 offset ${offset}`);
  });

  it('brings the new series in at its week, at about its share, and never before', () => {
    for (const c of p.compounds) if (c.week < s.newSeries.week) assert.notEqual(c.series, NEW_SERIES.name, `${c.id} in week ${c.week}`);
    const after = p.compounds.filter((c) => c.week >= s.newSeries.week);
    const share = after.filter((c) => c.series === NEW_SERIES.name).length / after.length;
    assert.ok(Math.abs(share - s.newSeries.share) < 0.06, `new-series share ${share}`);
    assert.deepEqual(
      p.series.map((x) => x.arrivesWeek),
      [null, null, null, s.newSeries.week],
    );
    const established = p.compounds.filter((c) => c.series !== NEW_SERIES.name);
    for (const def of ESTABLISHED_SERIES) {
      const n = established.filter((c) => c.series === def.name).length;
      assert.ok(Math.abs(n / established.length - 1 / 3) < 0.05, `${def.name}: ${n} of ${established.length}`);
    }
  });

  it('established-series compounds mostly reuse history scaffolds; the new series is new chemistry (diagnostic)', (t) => {
    const history = p.compounds.filter((c) => c.week <= 0);
    const stable = p.compounds.filter((c) => c.week >= 1 && c.week < s.newSeries.week);
    const laterOld = p.compounds.filter((c) => c.week >= s.newSeries.week && c.series !== NEW_SERIES.name);
    const fresh = p.compounds.filter((c) => c.series === NEW_SERIES.name);
    const seenScaffolds = new Set(history.map((c) => checked.get(c.id)!.scaffold));
    const seenShare = (list: typeof p.compounds) => list.filter((c) => seenScaffolds.has(checked.get(c.id)!.scaffold)).length / list.length;

    const words = wordsFor(DEFAULT_MORGAN.nBits);
    const data = new Uint32Array(history.length * words);
    history.forEach((c, i) => data.set(checked.get(c.id)!.fp, i * words));
    const set = fingerprintSet(data, words);
    const nearest = (list: typeof p.compounds) => list.map((c) => Math.max(...tanimotoOneToMany(checked.get(c.id)!.fp, set)));
    const nnStable = nearest(stable);
    const nnFresh = nearest(fresh);

    const scaffoldsPerSeries = Object.fromEntries(
      p.series.map((x) => [x.name, new Set(p.compounds.filter((c) => c.series === x.name).map((c) => checked.get(c.id)!.scaffold)).size]),
    );
    t.diagnostic(
      `generation of the default scenario: ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU (${p.compounds.length} compounds, ${p.measurements.length} measurements)`,
    );
    for (const pool of p.pools)
      t.diagnostic(
        `pool ${pool.series}: ${pool.combinations} R-group combinations, ${pool.used} used (${pool.rejected} rejected, ${pool.duplicates} duplicates)`,
      );
    t.diagnostic(`distinct scaffolds per series over the year: ${JSON.stringify(scaffoldsPerSeries)}`);
    t.diagnostic(
      `scaffold seen in history: stable period (weeks 1–${s.newSeries.week - 1}) ${(100 * seenShare(stable)).toFixed(1)} % of ${stable.length}; established series after week ${s.newSeries.week} ${(100 * seenShare(laterOld)).toFixed(1)} %; new series ${(100 * seenShare(fresh)).toFixed(1)} %`,
    );
    t.diagnostic(
      `nearest history neighbour (Tanimoto, Morgan r2 2048): stable period median ${median(nnStable).toFixed(2)}, new series median ${median(nnFresh).toFixed(2)} (max ${Math.max(...nnFresh).toFixed(2)})`,
    );

    assert.ok(seenShare(stable) >= 0.9, `stable-period seen-scaffold share ${seenShare(stable)}`);
    assert.equal(seenShare(fresh), 0, 'no new-series scaffold is in the history');
    assert.ok(median(nnStable) >= 0.5, `stable-period nearest-neighbour median ${median(nnStable)}`);
    assert.ok(median(nnFresh) < 0.3 && Math.max(...nnFresh) < 0.5, `new-series nearest-neighbour median ${median(nnFresh)}, max ${Math.max(...nnFresh)}`);
    for (const def of [...ESTABLISHED_SERIES, NEW_SERIES]) {
      const used = p.pools.find((x) => x.series === def.name)!;
      assert.equal(used.combinations, poolSize(def));
      assert.ok(used.used <= 0.5 * used.combinations, `${def.name} uses at most half its pool (${used.used} of ${used.combinations})`);
    }
  });

  it('hands out CSVs of each week’s reports, one per site and protocol version, and the history', () => {
    let rows = 0;
    for (let w = 1; w <= s.weeks; w++) {
      const files = programmeWeekCsv(p, w);
      const from = p.weekStart(w).toISOString().slice(0, 10);
      const to = p
        .weekStart(w + 1)
        .toISOString()
        .slice(0, 10);
      const expected = p.measurements.filter((m) => m.reportedAt >= from && m.reportedAt < to);
      assert.equal(
        files.reduce((n, f) => n + f.rows, 0),
        expected.length,
        `week ${w}`,
      );
      assert.equal(new Set(files.map((f) => f.file)).size, files.length);
      for (const f of files) {
        const lines = f.csv.trimEnd().split('\n');
        assert.equal(lines[0], CSV_COLUMNS.join(','));
        assert.equal(lines.length - 1, f.rows);
        assert.match(f.file, /^week-\d{3}-site-[12]-v[12]\.csv$/);
        for (const line of lines.slice(1)) {
          const [id, smiles, value, site, batch, measuredAt, reportedAt] = line.split(',');
          const m = expected.find((x) => x.compoundId === id && x.batch === batch)!;
          assert.ok(m, `${id} ${batch}`);
          assert.equal(smiles, m.smiles);
          assert.equal(site, f.site);
          assert.equal(m.protocolVersion, f.protocolVersion);
          assert.ok(reportedAt! >= from && reportedAt! < to && measuredAt === m.measuredAt);
          assert.ok(Math.abs(Math.log10(Number(value) / 1e6) - m.logS) < 1e-5, `${value} µM vs logS ${m.logS}`);
          assert.doesNotMatch(value!, /e/i);
        }
      }
      rows += expected.length;
    }
    const history = historyCsv(p);
    assert.deepEqual(
      history.map((f) => f.file),
      ['history-site-1-v1.csv', 'history-site-2-v1.csv'],
    );
    assert.equal(
      history.reduce((n, f) => n + f.rows, 0),
      p.measurements.filter((m) => m.week <= 0).length,
    );
    const pending = p.measurements.filter(
      (m) =>
        m.reportedAt >=
        p
          .weekStart(s.weeks + 1)
          .toISOString()
          .slice(0, 10),
    ).length;
    assert.equal(
      rows + history.reduce((n, f) => n + f.rows, 0) + pending,
      p.measurements.length,
      'every measurement is in exactly one CSV or pending after the year',
    );
    // Around the protocol change site 1's reports of a week can span both versions: two files.
    const change = [0, 1, 2, 3, 4, 5, 6].map((k) => programmeWeekCsv(p, s.protocolChange.week + k).filter((f) => f.site === 'site-1').length);
    assert.ok(
      change.some((n) => n === 2),
      `site 1 files per week after the change: ${change}`,
    );
  });

  it('lists the compounds to predict each week: that week’s new compounds, no references', () => {
    for (const w of [1, s.newSeries.week, s.weeks]) {
      const list = compoundsToPredict(p, w);
      assert.equal(list.length, s.compoundsPerWeek);
      assert.deepEqual(
        list,
        p.compounds.filter((c) => c.week === w).map((c) => ({ id: c.id, smiles: c.smiles, series: c.series })),
      );
    }
    assert.deepEqual(compoundsToPredict(p, s.weeks + 1), []);
  });
});

describe('demo chemistry: ESOL ground truth', () => {
  before(loadRDKit);

  interface Reference {
    name: string;
    series: string | null;
    choice: number[] | null;
    input: string;
    smiles: string;
    clogp: number;
    mw: number;
    rotatableBonds: number;
    rotatableBondsByDefinition: { Strict: number; NonStrict: number; StrictLinkages: number };
    aromaticProportion: number;
    esol: number;
  }
  const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/demo/esol-reference.json', import.meta.url), 'utf8')) as {
    generator: string;
    rdkitVersion: string;
    molecules: Reference[];
  };

  it('matches native RDKit (Crippen MolLogP, MolWt, strict rotatable bonds, aromatic proportion) to 1e-6', () => {
    assert.equal(fixture.generator, 'scripts/fixtures/make_esol_reference.py');
    assert.ok(fixture.molecules.length >= 12);
    for (const ref of fixture.molecules) {
      const m = makeMolecule(ref.input);
      assert.ok(!('rejected' in m), ref.name);
      assert.equal(m.smiles, ref.smiles, ref.name);
      assert.ok(Math.abs(m.esolInputs.clogp - ref.clogp) < 1e-9, `${ref.name} clogP`);
      assert.ok(Math.abs(m.esolInputs.mw - ref.mw) < 1e-9, `${ref.name} MW`);
      assert.equal(m.esolInputs.rotatableBonds, ref.rotatableBonds, `${ref.name} rotatable bonds`);
      assert.ok(Math.abs(m.esolInputs.aromaticProportion - ref.aromaticProportion) < 1e-12, `${ref.name} AP`);
      assert.ok(Math.abs(m.esol - ref.esol) < 1e-6, `${ref.name}: ESOL ${m.esol} vs native ${ref.esol}`);
    }
  });

  it('uses the strict rotatable-bond definition, which the fixture molecules tell apart from the others', () => {
    // RDKit JS NumRotatableBonds and Python Descriptors.NumRotatableBonds are both the Strict
    // count (amide C–N, CF3 and t-butyl bonds are not rotatable). NonStrict would add up to 4
    // bonds (0.26 log units of ESOL) on these molecules: the equality above would catch a switch.
    for (const ref of fixture.molecules) assert.equal(ref.rotatableBonds, ref.rotatableBondsByDefinition.Strict, ref.name);
    const differ = fixture.molecules.filter((r) => r.rotatableBondsByDefinition.NonStrict !== r.rotatableBondsByDefinition.Strict);
    assert.ok(differ.length >= 5, `${differ.length} molecules distinguish Strict from NonStrict`);
  });

  it('the per-R-group ESOL terms the generator adds up give the fixture values too', () => {
    const defs = new Map([...ESTABLISHED_SERIES, NEW_SERIES].map((d) => [d.name, d]));
    for (const ref of fixture.molecules.filter((r) => r.series !== null)) {
      const def = defs.get(ref.series!)!;
      const terms = new SeriesEsolTerms(def).terms(ref.choice!);
      const id = identifyMolecule(ref.input) as IdentifiedMolecule;
      const value = esol({ ...terms, aromaticProportion: id.aromaticAtoms / id.heavyAtoms });
      assert.equal(terms.rotatableBonds, ref.rotatableBonds, ref.name);
      assert.ok(Math.abs(value - ref.esol) < 1e-6, `${ref.name}: ${value} vs native ${ref.esol}`);
    }
  });

  it(`the per-R-group terms equal each molecule's own descriptors (${process.env.ROTGUARD_DEMO_EXHAUSTIVE ? 'all combinations' : 'a sample; ROTGUARD_DEMO_EXHAUSTIVE=1 checks all'})`, (t) => {
    const all = Boolean(process.env.ROTGUARD_DEMO_EXHAUSTIVE);
    const worst = { clogp: 0, mw: 0 };
    let checked = 0;
    for (const def of [...ESTABLISHED_SERIES, NEW_SERIES] as SeriesDefinition[]) {
      const model = new SeriesEsolTerms(def);
      const n = poolSize(def);
      // Without the variable: 40 combinations per series, spread by a stride coprime to the list lengths.
      const picks = all ? Array.from({ length: n }, (_, k) => k) : Array.from({ length: 40 }, (_, k) => (k * 7919) % n);
      for (const k of picks) {
        const choice = combination(def, k);
        const m = makeMolecule(assemble(def, choice)) as MadeMolecule;
        const terms = model.terms(choice);
        worst.clogp = Math.max(worst.clogp, Math.abs(terms.clogp - m.esolInputs.clogp));
        worst.mw = Math.max(worst.mw, Math.abs(terms.mw - m.esolInputs.mw));
        assert.equal(terms.rotatableBonds, m.esolInputs.rotatableBonds, `${def.name} ${choice}`);
        checked++;
      }
    }
    t.diagnostic(`${checked} combinations: max |Δ clogP| ${worst.clogp.toExponential(1)}, max |Δ MW| ${worst.mw.toExponential(1)}, rotatable bonds equal`);
    assert.ok(worst.clogp < 1e-9 && worst.mw < 1e-9, JSON.stringify(worst));
  });

  it('the fixture molecules are what the series assemble', () => {
    const defs = new Map([...ESTABLISHED_SERIES, NEW_SERIES].map((d) => [d.name, d]));
    for (const ref of fixture.molecules) {
      if (ref.series === null) {
        assert.ok(
          REFERENCE_DRUGS.some((d) => d.name === ref.name && (makeMolecule(d.smiles) as MadeMolecule).smiles === ref.smiles),
          ref.name,
        );
        continue;
      }
      assert.equal(assemble(defs.get(ref.series)!, ref.choice!), ref.input, ref.name);
    }
    assert.deepEqual(new Set(fixture.molecules.map((r) => r.series).filter(Boolean)), new Set(defs.keys()), 'every series is in the fixture');
  });

  it("is Delaney's published equation", () => {
    // J. Chem. Inf. Comput. Sci. 2004, 44, 1000, eq 2: logS = 0.16 − 0.63 clogP − 0.0062 MW + 0.066 RB − 0.74 AP.
    // Worked by hand for clogP 2, MW 200, RB 3, AP 0.5: 0.16 − 1.26 − 1.24 + 0.198 − 0.37 = −2.512.
    assert.ok(Math.abs(esol({ clogp: 2, mw: 200, rotatableBonds: 3, aromaticProportion: 0.5 }) - -2.512) < 1e-12);
    // Each coefficient alone.
    const zero = { clogp: 0, mw: 0, rotatableBonds: 0, aromaticProportion: 0 };
    assert.ok(Math.abs(esol(zero) - 0.16) < 1e-15);
    assert.ok(Math.abs(esol({ ...zero, clogp: 1 }) - esol(zero) - -0.63) < 1e-15);
    assert.ok(Math.abs(esol({ ...zero, mw: 1 }) - esol(zero) - -0.0062) < 1e-15);
    assert.ok(Math.abs(esol({ ...zero, rotatableBonds: 1 }) - esol(zero) - 0.066) < 1e-15);
    assert.ok(Math.abs(esol({ ...zero, aromaticProportion: 1 }) - esol(zero) - -0.74) < 1e-15);
    // The textbook example, benzene: Crippen logP 1.6866, MW 78.114, no rotatable bonds, all
    // six heavy atoms aromatic: 0.16 − 1.062558 − 0.4843068 − 0.74 = −2.1268648 (measured −1.64;
    // ESOL's RMSE is about 1 log unit on Delaney's training set).
    const benzene = makeMolecule('c1ccccc1') as MadeMolecule;
    assert.ok(Math.abs(benzene.esolInputs.clogp - 1.6866) < 1e-9);
    assert.ok(Math.abs(benzene.esolInputs.mw - 78.114) < 1e-9);
    assert.equal(benzene.esolInputs.rotatableBonds, 0);
    assert.equal(benzene.esolInputs.aromaticProportion, 1);
    assert.ok(Math.abs(benzene.esol - -2.1268648) < 1e-9, `benzene ESOL ${benzene.esol}`);
  });
});
