#!/usr/bin/env python3
"""FAISS reference for the 1:N matcher benchmark (attend-vision `matcher::bench`).

Tooling only: the product never runs Python. Reads the vectors the Rust side
exported with `Workload::write_raw` (raw little-endian f32, row-major):
  <data>/gallery.f32  n x d, exactly the stored templates (L2-normalised)
  <data>/queries.f32  q x d, exactly the prepared queries
  <data>/meta.json    {"n": ..., "d": ..., "queries": ...}
builds a `faiss.IndexFlatIP` (exact inner product == cosine on unit vectors)
and searches one query at a time on one thread with k = 1: the same work as the
Rust `search(k = 1)`. Timing: one untimed pass (warm-up; records the top-1 row
of every query into <data>/faiss_top1.i64 so the caller can check identity
agreement), then --repeats timed passes, the fastest of which counts (as on
the Rust side). Prints one JSON object:
  {"impl": ..., "qps": ..., "n": ..., "d": ..., "queries": ..., "top1": path}

Needs faiss-cpu==1.15.1 (vision/bench/requirements.txt) and numpy.
"""

import argparse
import json
import time
from pathlib import Path

import faiss
import numpy as np

REPEATS = 3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="directory written by the Rust bench")
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=REPEATS, help="timed passes; the fastest counts")
    args = ap.parse_args()

    meta = json.loads((args.data / "meta.json").read_text())
    n, d, nq = meta["n"], meta["d"], meta["queries"]
    xb = np.fromfile(args.data / "gallery.f32", dtype="<f4").reshape(n, d)
    xq = np.fromfile(args.data / "queries.f32", dtype="<f4").reshape(nq, d)

    faiss.omp_set_num_threads(1)
    index = faiss.IndexFlatIP(d)
    index.add(xb)

    # Pre-sliced (1, d) views so the loop times FAISS, not numpy slicing.
    rows = [xq[i : i + 1] for i in range(nq)]
    # Untimed pass (also the warm-up): the top-1 rows, from the same
    # one-query-at-a-time code path that is timed below.
    top1 = np.empty(nq, dtype="<i8")
    for i, q in enumerate(rows):
        top1[i] = index.search(q, args.k)[1][0, 0]
    best = float("inf")
    for _ in range(max(1, args.repeats)):
        start = time.perf_counter()
        for q in rows:
            index.search(q, args.k)
        best = min(best, time.perf_counter() - start)
    top1.tofile(args.data / "faiss_top1.i64")

    print(json.dumps({
        "impl": "faiss " + faiss.__version__ + " IndexFlatIP",
        "qps": nq / best,
        "n": n,
        "d": d,
        "queries": nq,
        "k": args.k,
        "threads": 1,
        "top1": str(args.data / "faiss_top1.i64"),
    }))


if __name__ == "__main__":
    main()
