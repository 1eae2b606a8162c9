import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intervalHalfWidth } from '../../src/serve/domain-interval.js';

describe('served interval half-width', () => {
  const bands = [
    { from: 0, to: 0.3, q: 2 },
    { from: 0.3, to: 0.5, q: 1.5 },
    { from: 0.5, to: 1, q: 1 },
  ];
  it("takes the quantile of the prediction's applicability-domain band: wider out of domain", () => {
    const iv = { level: 0.9, q: 1.2, normalized: true, bands };
    assert.equal(intervalHalfWidth(iv, 0.5, 0.1), 1);
    assert.equal(intervalHalfWidth(iv, 0.5, 0.3), 0.75);
    assert.equal(intervalHalfWidth(iv, 0.5, 1), 0.5);
  });
  it('falls back to the single quantile without bands or without a similarity', () => {
    assert.equal(intervalHalfWidth({ level: 0.9, q: 1.2, normalized: false, bands: null }, 0.5, 0.1), 1.2);
    assert.equal(intervalHalfWidth({ level: 0.9, q: 1.2, normalized: false, bands }, 0.5, null), 1.2);
  });
});
