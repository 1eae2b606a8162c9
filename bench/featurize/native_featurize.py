"""Native RDKit doing the same per-molecule work as `rotguard featurize`, for the benchmark.

Reads SMILES (one per line) from the file given as argv[1], featurizes them with
`argv[2]` worker processes (1 = this process only), and prints one JSON line with
timings. Work per molecule, as in rotguard: parse; keep the largest fragment;
neutralise; canonical SMILES; the rdkit-desc@1 descriptors; Morgan r=2/2048 bits;
Murcko scaffold and generic framework (canonical SMILES). InChIKey is included only
when this RDKit build has InChI (Debian's python3-rdkit does not).
Run: /usr/bin/python3 bench/featurize/native_featurize.py SMILES_FILE WORKERS
"""
import json
import sys
import time
from multiprocessing import Pool

from rdkit import Chem, RDLogger, rdBase
from rdkit.Chem import AllChem, Crippen, Descriptors, rdMolDescriptors as rd
from rdkit.Chem.MolStandardize import rdMolStandardize
from rdkit.Chem.Scaffolds import MurckoScaffold

try:
    from rdkit.Chem import inchi as _inchi
    HAS_INCHI = _inchi.INCHI_AVAILABLE
except Exception:  # pragma: no cover
    HAS_INCHI = False

RDLogger.DisableLog("rdApp.*")
CHOOSER = rdMolStandardize.LargestFragmentChooser()
NEUTRALISE = Chem.MolFromSmarts("[+1!h0!$([*]~[-1,-2,-3,-4]),-1!$([*]~[+1,+2,+3,+4])]")


def neutralise(mol):
    for (i,) in mol.GetSubstructMatches(NEUTRALISE):
        atom = mol.GetAtomWithIdx(i)
        charge = atom.GetFormalCharge()
        hs = atom.GetTotalNumHs()
        atom.SetFormalCharge(0)
        atom.SetNumExplicitHs(hs - charge)
        atom.UpdatePropertyCache()
    return mol


def descriptors(m):
    heavy = m.GetNumHeavyAtoms()
    aromatic = sum(1 for a in m.GetAtoms() if a.GetIsAromatic())
    return [
        Descriptors.MolWt(m), rd.CalcExactMolWt(m), Crippen.MolLogP(m), Crippen.MolMR(m),
        rd.CalcTPSA(m), rd.CalcLabuteASA(m), rd.CalcNumHBD(m), rd.CalcNumHBA(m),
        rd.CalcNumLipinskiHBD(m), rd.CalcNumLipinskiHBA(m), rd.CalcNumRotatableBonds(m),
        aromatic / heavy if heavy else 0.0, rd.CalcFractionCSP3(m), heavy, rd.CalcNumHeteroatoms(m),
        rd.CalcNumRings(m), rd.CalcNumAromaticRings(m), rd.CalcNumAliphaticRings(m),
        rd.CalcNumHeterocycles(m), rd.CalcNumAmideBonds(m), rd.CalcNumAtomStereoCenters(m),
        rd.CalcNumSpiroAtoms(m), rd.CalcNumBridgeheadAtoms(m), Chem.GetFormalCharge(m),
    ]


def featurize(smiles):
    m = Chem.MolFromSmiles(smiles)
    if m is None:
        return None
    m = CHOOSER.choose(m)
    m = neutralise(Chem.RWMol(m)).GetMol()
    Chem.SanitizeMol(m)
    Chem.AssignStereochemistry(m, cleanIt=True, force=True)
    can = Chem.MolToSmiles(m)
    key = Chem.MolToInchiKey(m) if HAS_INCHI else None
    desc = descriptors(m)
    fp = AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048)
    core = MurckoScaffold.GetScaffoldForMol(m)
    scaffold = Chem.MolToSmiles(core, isomericSmiles=False)
    framework = Chem.MolToSmiles(
        MurckoScaffold.GetScaffoldForMol(MurckoScaffold.MakeScaffoldGeneric(core)), isomericSmiles=False
    )
    return can, key, desc, fp.GetNumOnBits(), scaffold, framework


def run(smiles, workers):
    start = time.perf_counter()
    if workers == 1:
        out = [featurize(s) for s in smiles]
    else:
        with Pool(workers) as pool:
            out = pool.map(featurize, smiles, chunksize=64)
    seconds = time.perf_counter() - start
    return seconds, sum(1 for o in out if o is not None)


if __name__ == "__main__":
    path, workers = sys.argv[1], int(sys.argv[2])
    with open(path) as f:
        smiles = [line.strip() for line in f if line.strip()]
    seconds, ok = run(smiles, workers)
    print(json.dumps({"rdkit": rdBase.rdkitVersion, "inchi": HAS_INCHI, "workers": workers,
                      "molecules": len(smiles), "ok": ok, "seconds": seconds,
                      "moleculesPerSecond": ok / seconds}))
