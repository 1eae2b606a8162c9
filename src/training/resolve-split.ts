/**
 * What a split rule needs beyond the snapshot, resolved at build time:
 *  - predefined: the structure files naming the test (and calibration) compounds are read,
 *    every structure standardized as at ingest, and the rule then carries the file's
 *    sha256 and the sorted InChIKeys, so the build hash changes when the file does;
 *  - cluster: Butina clusters of the snapshot's compounds on their Morgan fingerprints.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { RotguardError } from '../core/errors.js';
import { butinaClusters } from '../chem/butina.js';
import { loadRDKit } from '../chem/rdkit.js';
import { fingerprintSet } from '../chem/similarity.js';
import { release, standardize } from '../chem/standardize.js';
import { openMoleculeFile } from '../data/molecule-file.js';
import type { NamedCompounds, SplitRule } from '../validate/splits.js';
import type { FingerprintBlock } from './trainers/types.js';

async function resolveNamed(named: NamedCompounds, field: string): Promise<NamedCompounds> {
  if (!named.file) return named;
  let bytes: Buffer;
  try {
    bytes = readFileSync(named.file);
  } catch (e) {
    throw new RotguardError('bad_recipe', `${field}: cannot read ${named.file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
      file: named.file,
      field,
    });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (named.sha256 && named.sha256 !== sha256)
    throw new RotguardError(
      'bad_recipe',
      `${field}: ${named.file} changed since the recipe was resolved (sha256 ${sha256.slice(0, 12)}, expected ${named.sha256.slice(0, 12)})`,
      { file: named.file, field },
    );
  await loadRDKit();
  const file = await openMoleculeFile(named.file);
  const keys = new Set<string>();
  for await (const row of file.rows()) {
    if (row.kind !== 'row')
      throw new RotguardError('bad_recipe', `${field}: ${named.file} line ${row.line}: ${row.reason}`, { file: named.file, line: row.line, field });
    try {
      const m = standardize(row.structure, { file: named.file, line: row.line });
      keys.add(m.inchikey);
      release(m);
    } catch (e) {
      throw new RotguardError('bad_recipe', `${field}: ${named.file} line ${row.line}: ${(e as Error).message}`, { file: named.file, line: row.line, field });
    }
  }
  // The file's name, not its path: the content (sha256, keys) is what the build hash must
  // depend on, not where the workspace or the recipe happens to live.
  return { file: basename(named.file), sha256, inchikeys: [...keys].sort() };
}

/** The rule with predefined files resolved to InChIKeys (other rules are returned as they are). */
export async function resolveSplitRule(rule: SplitRule): Promise<SplitRule> {
  if (rule.method !== 'predefined') return rule;
  const test = await resolveNamed(rule.test!, 'split.test');
  const calibration = rule.calibration ? await resolveNamed(rule.calibration, 'split.calibration') : undefined;
  return { ...rule, test, ...(calibration ? { calibration } : {}) };
}

/** Butina cluster of each compound (for cluster splits and the audit). */
export function clustersFor(fingerprints: FingerprintBlock, cutoff: number): Int32Array {
  return butinaClusters(fingerprintSet(fingerprints.data, fingerprints.words), cutoff).cluster;
}
