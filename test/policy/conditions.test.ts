import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConditionSyntaxError, evaluateCondition, formatCondition, parseCondition } from '../../src/policy/conditions.js';
import { EVIDENCE_PATHS, readEvidence, type EvidencePath } from '../../src/policy/evidence-paths.js';
import { windowEvidence } from './evidence.js';

const holds = (text: string, e = windowEvidence(0)) => evaluateCondition(parseCondition(text), e).holds;

describe('conditions', () => {
  it('compares numbers with every operator, exactly at the threshold too', () => {
    const e = windowEvidence(0, { performance: { maeRatio: 1.3 } });
    assert.deepEqual(
      ['>', '>=', '<', '<=', '==', '!='].map((op) => holds(`performance.maeRatio ${op} 1.3`, e)),
      [false, true, false, true, true, false],
    );
    assert.equal(holds('output.predictionShiftSd > -0.5'), true, 'negative literals');
    assert.equal(holds('input.maxPsi < 5e-2'), false, 'exponent literals (0.05 is not < 0.05)');
    assert.equal(holds('input.maxPsi <= .05'), true);
  });

  it('compares booleans with == and !=', () => {
    const shifted = windowEvidence(0, { assay: { confirmedShift: true } });
    assert.equal(holds('assay.confirmedShift == true', shifted), true);
    assert.equal(holds('assay.confirmedShift != true', shifted), false);
    assert.equal(holds('assay.confirmedShift == false'), true);
  });

  it('combines with and / or, and groups with parentheses', () => {
    const e = windowEvidence(0, { input: { maxPsi: 0.3, lowSimilarityShare: 0.1 } });
    assert.equal(holds('input.maxPsi > 0.25 and input.lowSimilarityShare > 0.2', e), false);
    assert.equal(holds('input.maxPsi > 0.25 or input.lowSimilarityShare > 0.2', e), true);
    assert.equal(holds('(input.maxPsi > 0.25 or input.lowSimilarityShare > 0.2) and assay.confirmedShift == true', e), false);
    assert.equal(holds('input.maxPsi > 0.5 or (input.maxPsi > 0.25 and predictions >= 200)', e), true);
  });

  it('prints one canonical text: spacing, redundant parentheses and number spelling do not matter', () => {
    const same = ['input.maxPsi>0.20', '( input.maxPsi  >  2e-1 )', 'input.maxPsi > 0.2'];
    for (const t of same) assert.equal(formatCondition(parseCondition(t)), 'input.maxPsi > 0.2');
    assert.equal(
      formatCondition(parseCondition('(input.maxPsi > 0.2 and predictions > 1) and (labels.labelled > 0 or predictions > 5)')),
      'input.maxPsi > 0.2 and predictions > 1 and (labels.labelled > 0 or predictions > 5)',
    );
  });

  it('is a parser, not eval: anything but path op literal is a syntax error', () => {
    for (const t of [
      'process.exit(1)',
      'input.maxPsi > 0.2; process.exit(1)',
      'input.maxPsi > "0.2"',
      'input.maxPsi > input.lowSimilarityShare',
      '!assay.confirmedShift',
      'input.maxPsi > 0.2 and',
      'input.maxPsi > 1e400',
    ]) {
      assert.throws(() => parseCondition(t), ConditionSyntaxError, t);
    }
  });

  it('makes a comparison on a null value false, whatever the operator, and reports the path as not measurable', () => {
    const e = windowEvidence(0, { performance: null, input: { unseenScaffoldShare: null } });
    for (const op of ['>', '>=', '<', '<=', '==', '!=']) assert.equal(holds(`performance.maeRatio ${op} 1`, e), false, op);
    const r = evaluateCondition(parseCondition('performance.maeRatio > 1.3 or input.maxPsi > 0.01'), e);
    assert.equal(r.holds, true, 'the measurable side of an or still counts');
    assert.deepEqual(r.values, { 'performance.maeRatio': null, 'input.maxPsi': 0.05 });
    assert.deepEqual(r.unmeasurable, ['performance.maeRatio']);
    const a = evaluateCondition(parseCondition('input.unseenScaffoldShare > 0.3 and input.maxPsi > 0.01'), e);
    assert.equal(a.holds, false);
    assert.deepEqual(a.unmeasurable, ['input.unseenScaffoldShare']);
  });

  it('reads every listed evidence path, with the kind listed for it', () => {
    const e = windowEvidence(0);
    for (const [path, kind] of Object.entries(EVIDENCE_PATHS)) {
      const v = readEvidence(e, path as EvidencePath);
      assert.equal(typeof v, kind, path);
    }
    // Non-finite numbers and wrongly typed values (evidence built outside the type) are not measurable.
    assert.equal(readEvidence(windowEvidence(0, { performance: { maeRatio: Number.NaN } }), 'performance.maeRatio'), null);
    assert.equal(readEvidence({ ...e, assay: { ...e.assay, confirmedShift: 'yes' as unknown as boolean } }, 'assay.confirmedShift'), null);
  });
});
