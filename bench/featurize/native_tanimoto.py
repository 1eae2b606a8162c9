"""Native RDKit Tanimoto throughput for the benchmark: every molecule against all
(many-vs-many) with DataStructs.BulkTanimotoSimilarity on Morgan r=2/2048 bit vectors.
Fingerprints are built first and not timed.
Run: /usr/bin/python3 bench/featurize/native_tanimoto.py SMILES_FILE [QUERIES]
"""
import json
import sys
import time

from rdkit import Chem, DataStructs, RDLogger, rdBase
from rdkit.Chem import AllChem

RDLogger.DisableLog("rdApp.*")

if __name__ == "__main__":
    path = sys.argv[1]
    with open(path) as f:
        mols = [Chem.MolFromSmiles(line.strip()) for line in f if line.strip()]
    fps = [AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048) for m in mols if m is not None]
    queries = fps[: int(sys.argv[2])] if len(sys.argv) > 2 else fps
    start = time.perf_counter()
    best = 0.0
    for q in queries:
        sims = DataStructs.BulkTanimotoSimilarity(q, fps)
        best += max(sims)
    seconds = time.perf_counter() - start
    pairs = len(queries) * len(fps)
    print(json.dumps({"rdkit": rdBase.rdkitVersion, "queries": len(queries), "targets": len(fps),
                      "pairs": pairs, "seconds": seconds, "similaritiesPerSecond": pairs / seconds}))
