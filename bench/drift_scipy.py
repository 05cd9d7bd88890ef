"""Time the scipy/numpy equivalent of bench/drift.ts and print one JSON line.

Per feature: quantile edges of the reference (np.quantile), np.histogram of both sides over
them, and scipy.stats.ks_2samp(reference, current) on ALL reference rows (method="auto", which
is asymptotic at these sizes). Only the statistics are timed, not the data generation.

  /usr/bin/python3 bench/drift_scipy.py --rows 1000000 --features 32 --baseline-rows 100000
"""
import argparse
import json
import time

import numpy as np
from scipy.stats import ks_2samp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--features", type=int, default=32)
    ap.add_argument("--baseline-rows", type=int, default=100_000)
    ap.add_argument("--bins", type=int, default=10)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    seconds = 0.0
    drifted = 0
    for f in range(args.features):
        # the same shapes as bench/drift.ts: feature f ~ N(f/8, 1 + f/32), every 4th shifted by 0.05
        scale = 1 + f / 32
        ref = rng.normal(f / 8, scale, args.baseline_rows)
        cur = rng.normal(f / 8 + (0.05 * scale if f % 4 == 0 else 0), scale, args.rows)
        t0 = time.perf_counter()
        inner = np.unique(np.quantile(ref, np.arange(1, args.bins) / args.bins))
        edges = np.concatenate([[-np.inf], inner, [np.inf]])
        e, _ = np.histogram(ref, edges)
        a, _ = np.histogram(cur, edges)
        e = np.maximum(e / e.sum(), 1e-4)
        a = np.maximum(a / a.sum(), 1e-4)
        psi = float(np.sum((a - e) * np.log(a / e)))
        ks = ks_2samp(ref, cur)
        seconds += time.perf_counter() - t0
        drifted += int(psi > 0.1 or ks.pvalue < 0.01)
    print(json.dumps({"rows": args.rows, "features": args.features, "baseline_rows": args.baseline_rows,
                      "seconds": seconds, "drifted": drifted}))


if __name__ == "__main__":
    main()
