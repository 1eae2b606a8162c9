"""Real-molecule fingerprints at scale for bench/similarity, made by native RDKit.

The Biogen set has 3,521 molecules; the benchmark needs 200,000 (100,000 training +
100,000 queries). This script enumerates close analogues the way a med-chem programme
makes them: every aromatic C-H of every molecule becomes C-F, C-Cl, C-CH3, C-OH, and the
aromatic CH becomes N (one change per analogue; a second round on analogues if the first
is short). Every analogue is sanitized by RDKit and deduplicated by canonical SMILES.
A seeded shuffle then assigns molecules: training = the 3,521 originals + analogues,
queries = other analogues (no structure in both).

Writes OUT.bin: training then queries, Morgan radius 2 / 2048 bits, 256 bytes each,
bit i at byte i>>3, bit i&7 (rotguard's packed layout, little-endian words), and
OUT.json with the counts.
Run: /usr/bin/python3 bench/similarity/make_fingerprints.py BIOGEN.csv OUT N_TRAIN N_QUERIES
"""
import csv
import json
import random
import sys

from rdkit import Chem, DataStructs, RDLogger, rdBase
from rdkit.Chem import AllChem

RDLogger.DisableLog("rdApp.*")


def analogues(mol):
    out = []
    for atom in mol.GetAtoms():
        if not (atom.GetIsAromatic() and atom.GetSymbol() == "C" and atom.GetTotalNumHs() == 1):
            continue
        i = atom.GetIdx()
        for z in (9, 17, 6, 8):
            rw = Chem.RWMol(mol)
            j = rw.AddAtom(Chem.Atom(z))
            rw.AddBond(i, j, Chem.BondType.SINGLE)
            rw.GetAtomWithIdx(i).SetNoImplicit(False)
            rw.GetAtomWithIdx(i).SetNumExplicitHs(0)
            out.append(rw)
        rw = Chem.RWMol(mol)
        rw.GetAtomWithIdx(i).SetAtomicNum(7)
        rw.GetAtomWithIdx(i).SetNumExplicitHs(0)
        out.append(rw)
    result = []
    for rw in out:
        try:
            m = rw.GetMol()
            Chem.SanitizeMol(m)
            result.append(m)
        except Exception:
            pass
    return result


def main():
    path, out, n_train, n_queries = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(path, newline="") as f:
        originals = [Chem.MolFromSmiles(r["SMILES"]) for r in csv.DictReader(f)]
    originals = [m for m in originals if m is not None]
    seen = {Chem.MolToSmiles(m) for m in originals}
    pool = []
    need = n_train + n_queries - len(originals)
    frontier = originals
    rng = random.Random(0)
    while len(pool) < need and frontier:
        nxt = []
        for m in frontier:
            for a in analogues(m):
                s = Chem.MolToSmiles(a)
                if s in seen:
                    continue
                seen.add(s)
                pool.append(a)
                nxt.append(a)
        frontier = rng.sample(nxt, min(len(nxt), 5000))
    rng.shuffle(pool)
    train = originals + pool[: n_train - len(originals)]
    queries = pool[n_train - len(originals): n_train - len(originals) + n_queries]
    with open(out + ".bin", "wb") as f:
        for m in train + queries:
            fp = AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048)
            f.write(bits(fp))
    with open(out + ".json", "w") as f:
        json.dump({"rdkit": rdBase.rdkitVersion, "train": len(train), "queries": len(queries),
                   "originals": len(originals), "analogues_available": len(pool)}, f)


def bits(fp):
    arr = bytearray(256)
    for i in fp.GetOnBits():
        arr[i >> 3] |= 1 << (i & 7)
    return bytes(arr)


if __name__ == "__main__":
    main()
