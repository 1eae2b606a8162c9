import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WindowEvidence } from '../../src/monitor/evidence.js';
import { proxySignals } from '../../src/monitor/monitor.js';

const prev = (unseen: number | null, low: number | null, width: number | null) =>
  ({ input: { unseenScaffoldShare: unseen, lowSimilarityShare: low }, output: { widthRatio: width } }) as unknown as Pick<WindowEvidence, 'input' | 'output'>;

describe('proxy signals while labels are missing', () => {
  it('warns when confidence moves fast while the chemistry is stable', () => {
    const p = proxySignals(prev(0.2, 0.1, 1.0), { unseenScaffoldShare: 0.22, lowSimilarityShare: 0.1, widthRatio: 1.4 });
    assert.deepEqual(p, { confidenceMovingChemistryStable: true, chemistryMovingConfidenceFlat: false });
  });

  it('warns when the chemistry moves fast while confidence stays flat', () => {
    assert.equal(
      proxySignals(prev(0.1, 0.1, 1.0), { unseenScaffoldShare: 0.4, lowSimilarityShare: 0.1, widthRatio: 1.02 }).chemistryMovingConfidenceFlat,
      true,
    );
    assert.equal(
      proxySignals(prev(0.1, 0.1, 1.0), { unseenScaffoldShare: 0.1, lowSimilarityShare: 0.3, widthRatio: 0.99 }).chemistryMovingConfidenceFlat,
      true,
      'similarity drop counts too',
    );
  });

  it('is quiet when chemistry and confidence move together, or stay put, or cannot be measured', () => {
    assert.deepEqual(proxySignals(prev(0.1, 0.1, 1.0), { unseenScaffoldShare: 0.4, lowSimilarityShare: 0.4, widthRatio: 1.5 }), {
      confidenceMovingChemistryStable: false,
      chemistryMovingConfidenceFlat: false,
    });
    assert.deepEqual(proxySignals(prev(0.1, 0.1, 1.0), { unseenScaffoldShare: 0.11, lowSimilarityShare: 0.1, widthRatio: 1.01 }), {
      confidenceMovingChemistryStable: false,
      chemistryMovingConfidenceFlat: false,
    });
    assert.deepEqual(proxySignals(undefined, { unseenScaffoldShare: 0.9, lowSimilarityShare: 0.9, widthRatio: 1 }), {
      confidenceMovingChemistryStable: false,
      chemistryMovingConfidenceFlat: false,
    });
    assert.deepEqual(proxySignals(prev(0.1, 0.1, null), { unseenScaffoldShare: 0.1, lowSimilarityShare: 0.1, widthRatio: 2 }), {
      confidenceMovingChemistryStable: false,
      chemistryMovingConfidenceFlat: false,
    });
  });
});
