"""scikit-learn's predict_proba rows/s on 1,000-row batches, for `bun run bench:serve`.

Same model size as the served one: StandardScaler + MLPClassifier(128, 64) fitted on the CSV;
the batch is scaled and predicted each round, as a server would. Prints one JSON line.
  /usr/bin/python3 bench/sklearn_predict.py --csv TRAIN --target COL [--seconds 3]
"""
import argparse
import json
import time

import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

ap = argparse.ArgumentParser()
ap.add_argument("--csv", required=True)
ap.add_argument("--target", required=True)
ap.add_argument("--seconds", type=float, default=3.0)
args = ap.parse_args()

with open(args.csv) as f:
    header = f.readline().strip().split(",")
    rows = [line.strip().split(",") for line in f if line.strip()]
t = header.index(args.target)
X = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows], dtype=np.float32)
y = np.array([r[t] for r in rows])
scaler = StandardScaler().fit(X)
model = MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=200, random_state=0).fit(scaler.transform(X), y)
batch = np.resize(X, (1000, X.shape[1]))
model.predict_proba(scaler.transform(batch))
n = 0
started = time.perf_counter()
while time.perf_counter() - started < args.seconds:
    model.predict_proba(scaler.transform(batch))
    n += 1
elapsed = time.perf_counter() - started
print(json.dumps({"rows_per_s": n * 1000 / elapsed, "ms_per_batch": elapsed * 1000 / n}))
