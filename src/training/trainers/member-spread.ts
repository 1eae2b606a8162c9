import type { Prediction } from './types.js';

/**
 * An ensemble's prediction from its members' (trees of a forest, boosted members): the mean
 * per row, and the spread across members (population SD) as the uncertainty. `per` holds
 * members × rows, row-major by member.
 */
export function meanAndSpread(per: Float64Array, members: number, rows: number): Prediction {
  const value = new Float64Array(rows);
  const uncertainty = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let k = 0; k < members; k++) sum += per[k * rows + r]!;
    const mean = sum / members;
    let ss = 0;
    for (let k = 0; k < members; k++) ss += (per[k * rows + r]! - mean) ** 2;
    value[r] = mean;
    uncertainty[r] = Math.sqrt(ss / members);
  }
  return { value, uncertainty };
}
