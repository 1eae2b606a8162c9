import { assertStructureSize } from './structure-limits.js';
import { loadRDKit, withMol } from './rdkit.js';

/**
 * A 2D drawing of a structure as SVG, drawn by RDKit itself (coordinates, aromaticity and
 * stereo as RDKit perceives them), so the page shows the molecule rotguard identified,
 * not a second toolkit's reading of the SMILES. Null when RDKit cannot parse it.
 */
export async function moleculeSvg(smiles: string, width = 260, height = 200): Promise<string | null> {
  assertStructureSize(smiles);
  const RD = await loadRDKit();
  const mol = RD.get_mol(smiles);
  if (!mol) return null;
  return withMol(mol, (m) => m.get_svg(width, height));
}
