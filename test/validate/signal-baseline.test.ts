import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';
import {
  CHEMISTRY_REFERENCE_SIZE,
  IN_DOMAIN_SIMILARITY,
  LOW_SIMILARITY,
  referenceFingerprints,
  signalBaseline,
  unpackFingerprints,
} from '../../src/validate/signal-baseline.js';
import { validationReport } from '../../src/validate/report.js';

function heldOut(n: number, rng: Random) {
  const nearest = Float64Array.from({ length: n }, () => rng.uniform());
  const sigma = Float64Array.from({ length: n }, () => 0.2 + rng.uniform());
  const yPred = Float64Array.from({ length: n }, () => rng.uniform() * 4);
  // Error grows with σ and falls with similarity: what the loss model should learn.
  const yTrue = Float64Array.from(yPred, (p, i) => p + (rng.uniform() < 0.5 ? -1 : 1) * sigma[i]! * (1.2 - nearest[i]!));
  return { yTrue, yPred, sigma, nearest, scaffoldSeen: Array.from({ length: n }, (_, i) => i % 4 === 0) };
}

describe('signal baseline recorded at build', () => {
  const rng = new Random(5);
  const cal = heldOut(200, rng);
  const test = heldOut(200, rng);
  const words = 2;
  const fingerprints = Uint32Array.from({ length: 900 * words }, () => rng.nextUint32());
  const heldOutFingerprints = Uint32Array.from({ length: 400 * words }, () => rng.nextUint32());
  const b = signalBaseline({ calibration: cal, test, fingerprints, heldOutFingerprints, words, seed: 3 });

  it('measures the shares on the held-out compounds, not on training', () => {
    assert.equal(b.n, 400);
    assert.equal(b.unseenScaffoldShare, 0.75);
    const low = [...cal.nearest, ...test.nearest].filter((s) => s < 0.3).length / 400;
    assert.equal(b.lowSimilarityShare, low);
  });
  it('fits the loss model on calibration and checks it on the test set', () => {
    assert.ok(b.lossModel && b.lossModel.coefficients[1] > 0 && b.lossModel.coefficients[2] < 0, JSON.stringify(b.lossModel?.coefficients));
    const { estimatedMae, realisedMae } = b.lossModelCheck!;
    assert.ok(Math.abs(estimatedMae - realisedMae) / realisedMae < 0.1, `${estimatedMae} vs ${realisedMae}`);
  });
  it('keeps a seeded sample of the development chemistry, the same for the same seed', () => {
    assert.equal(b.chemistryReference.size, CHEMISTRY_REFERENCE_SIZE);
    assert.equal(referenceFingerprints(b).length, CHEMISTRY_REFERENCE_SIZE * words);
    assert.deepEqual(signalBaseline({ calibration: cal, test, fingerprints, heldOutFingerprints, words, seed: 3 }).chemistryReference, b.chemistryReference);
    assert.notDeepEqual(signalBaseline({ calibration: cal, test, fingerprints, heldOutFingerprints, words, seed: 4 }).chemistryReference, b.chemistryReference);
  });
  it('keeps the held-out compounds themselves, each fingerprint with its own nearest-training similarity', () => {
    const h = b.heldOut!;
    assert.equal(h.size, 400);
    const nearest = [...cal.nearest, ...test.nearest];
    assert.deepEqual(h.nearest, nearest);
    assert.deepEqual(unpackFingerprints(h.fingerprints), heldOutFingerprints);
    assert.equal(h.far, LOW_SIMILARITY);
    assert.equal(h.newScaffolds, undefined, 'no scaffolds given, none recorded (as in builds made before them)');
  });
  it("records each held-out compound's scaffold only when the training set lacks it, and never an acyclic one", () => {
    // scaffoldSeen: every 4th compound (0, 4, 8, …) is on a training scaffold; compound 1 has no ring.
    const scaffolds = Array.from({ length: 400 }, (_, i) => (i === 1 ? '' : `c${i % 7}`));
    const h = signalBaseline({ calibration: cal, test, fingerprints, heldOutFingerprints, heldOutScaffolds: scaffolds, words, seed: 3 }).heldOut!;
    assert.equal(h.newScaffolds!.length, 400);
    assert.equal(h.newScaffoldBelow, IN_DOMAIN_SIMILARITY);
    h.newScaffolds!.forEach((s, i) => assert.equal(s, i % 4 === 0 || i === 1 ? null : `c${i % 7}`, `compound ${i}`));
    assert.throws(
      () => signalBaseline({ calibration: cal, test, fingerprints, heldOutFingerprints, heldOutScaffolds: scaffolds.slice(1), words, seed: 3 }),
      /399 held-out scaffolds for 400 held-out compounds/,
    );
  });
});

describe('validation report: conformal intervals per domain band', () => {
  it("reports each band's quantile and test coverage when calibration similarities are given", () => {
    const rng = new Random(8);
    const cal = heldOut(300, rng);
    const test = heldOut(300, rng);
    const r = validationReport({
      task: 'regression',
      split: { method: 'random', seed: 0, fractions: { train: 0.8, calibration: 0.1, test: 0.1 }, sizes: { train: 10, calibration: 300, test: 300 } },
      calibration: cal,
      test,
      testSeries: Array(300).fill('s'),
      testProtocol: Array(300).fill('p'),
      testSite: Array(300).fill('x'),
      testNearest: test.nearest,
      calibrationNearest: cal.nearest,
    });
    const row = r.conformalByBand!.find((c) => c.level === 0.9)!;
    assert.deepEqual(
      row.bands.map((b) => [b.from, b.to]),
      [
        [0, 0.3],
        [0.3, 0.5],
        [0.5, 1],
      ],
    );
    assert.equal(
      row.bands.reduce((a, b) => a + b.testN, 0),
      300,
    );
    assert.ok(
      row.bands.every((b) => b.coverage! > 0.8),
      JSON.stringify(row.bands),
    );
    // Normalized scores here are |±(1.2 − sim)|: the out-of-domain band needs the widest quantile.
    assert.ok(row.bands[0]!.q > row.bands[2]!.q);
  });
});
