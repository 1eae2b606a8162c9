"""Native RDKit's max-similarity search for bench/similarity: for each of the first Q
queries, DataStructs.BulkTanimotoSimilarity against every training fingerprint, then the
best similarity and the first (lowest) index that reaches it. Only the BulkTanimotoSimilarity
calls are timed (building bit vectors and taking the max are not), in this one process,
by the wall clock and by CPU time (process_time).
Prints one JSON line: timings and the per-query results, for the exactness check.
Run: /usr/bin/python3 bench/similarity/native_bulk_tanimoto.py FPS.bin N_TRAIN Q [--serve]

With --serve it loads, prints "ready", then answers stdin lines "FROM TO" (a slice of the Q
queries) with one JSON line each, so the benchmark can alternate rotguard and native slices
under the same machine load.
"""
import json
import sys
import time

from rdkit import DataStructs, rdBase


def vectors(blob, start, count):
    out = []
    for i in range(start, start + count):
        chunk = blob[i * 256:(i + 1) * 256]
        v = DataStructs.ExplicitBitVect(2048)
        v.SetBitsFromList([b * 8 + k for b, byte in enumerate(chunk) if byte for k in range(8) if byte >> k & 1])
        out.append(v)
    return out


def search(train, queries):
    seconds = 0.0
    cpu = 0.0
    best, where = [], []
    for v in queries:
        t = time.perf_counter()
        c = time.process_time()
        sims = DataStructs.BulkTanimotoSimilarity(v, train)
        cpu += time.process_time() - c
        seconds += time.perf_counter() - t
        m = max(sims)
        best.append(m)
        where.append(sims.index(m))
    return seconds, cpu, best, where


if __name__ == "__main__":
    path, n_train, q = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, "rb") as f:
        blob = f.read()
    train = vectors(blob, 0, n_train)
    queries = vectors(blob, n_train, q)
    if "--serve" in sys.argv:
        print("ready", flush=True)
        for line in sys.stdin:
            a, b = map(int, line.split())
            seconds, cpu, best, where = search(train, queries[a:b])
            print(json.dumps({"seconds": seconds, "cpuSeconds": cpu, "best": best, "index": where}), flush=True)
        sys.exit(0)
    seconds, cpu, best, where = search(train, queries)
    pairs = q * n_train
    print(json.dumps({"rdkit": rdBase.rdkitVersion, "queries": q, "targets": n_train, "pairs": pairs,
                      "seconds": seconds, "cpuSeconds": cpu, "comparisonsPerSecond": pairs / seconds,
                      "comparisonsPerCpuSecond": pairs / cpu, "best": best, "index": where}))
