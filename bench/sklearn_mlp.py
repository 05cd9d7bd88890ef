"""Train scikit-learn's MLPClassifier the way bench/index.ts trains ours, and print one JSON line.

Input: CSV files (header row, target column named by --target) or .npy pairs written by the bench
(--train X.npy --train-y y.npy ...). Features are standardised with StandardScaler when --scale is
given, cast to float32, and the fit runs exactly --epochs epochs (tol=0, n_iter_no_change > epochs).

  /usr/bin/python3 bench/sklearn_mlp.py --train ../shared/data/iris_train.csv \
      --test ../shared/data/iris_test.csv --target species --hidden 32 --epochs 200 --scale --seeds 0,1,2
"""
import argparse
import json
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler


def peak_rss_mb():
    """VmHWM: this process image's peak RSS. (getrusage's ru_maxrss survives execve, so a child
    spawned by a large parent would report the parent's size.)"""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def load(path, target, y_path):
    if path.endswith(".npy"):
        return np.load(path), np.load(y_path)
    with open(path) as f:
        header = f.readline().strip().split(",")
    raw = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=str)
    j = header.index(target)
    x = np.delete(raw, j, axis=1).astype(np.float64)
    return x, raw[:, j]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--train-y")
    p.add_argument("--test-y")
    p.add_argument("--target", default="label")
    p.add_argument("--hidden", default="100")
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--batch", default="auto")
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--alpha", type=float, default=1e-4)
    p.add_argument("--activation", default="relu")
    p.add_argument("--seeds", default="0")
    p.add_argument("--scale", action="store_true")
    p.add_argument("--predict-rows", type=int, default=0, help="also time predict_proba on this many test rows")
    a = p.parse_args()

    x_train, y_train = load(a.train, a.target, a.train_y)
    x_test, y_test = load(a.test, a.target, a.test_y)
    if a.scale:
        scaler = StandardScaler().fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    x_train, x_test = x_train.astype(np.float32), x_test.astype(np.float32)
    hidden = tuple(int(h) for h in a.hidden.split(","))
    runs = []
    for seed in (int(s) for s in a.seeds.split(",")):
        clf = MLPClassifier(
            hidden_layer_sizes=hidden,
            activation=a.activation,
            solver="adam",
            alpha=a.alpha,
            batch_size=a.batch if a.batch == "auto" else int(a.batch),
            learning_rate_init=a.lr,
            max_iter=a.epochs,
            shuffle=True,
            random_state=seed,
            tol=0.0,
            n_iter_no_change=a.epochs + 1,
            early_stopping=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            clf.fit(x_train, y_train)
            train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        acc = float(clf.score(x_test, y_test))
        predict_s = time.perf_counter() - t0
        run = {"seed": seed, "train_s": train_s, "predict_s": predict_s, "accuracy": acc, "epochs": clf.n_iter_, "loss": float(clf.loss_)}
        if a.predict_rows:
            # batch prediction: the median of 5 calls of predict_proba on the same rows
            batch = x_test[: a.predict_rows]
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                clf.predict_proba(batch)
                times.append(time.perf_counter() - t0)
            run["predict_rows_per_s"] = len(batch) / sorted(times)[2]
        runs.append(run)
    accs = np.array([r["accuracy"] for r in runs])
    train_s = float(np.mean([r["train_s"] for r in runs]))
    print(
        json.dumps(
            {
                "train_s": train_s,
                "rows_per_s_train": len(x_train) * a.epochs / train_s,
                "accuracy": float(accs.mean()),
                "accuracy_std": float(accs.std()),
                "predict_s": float(np.mean([r["predict_s"] for r in runs])),
                "predict_rows_per_s": runs[0].get("predict_rows_per_s"),
                # peak resident memory of the whole process (Python, numpy, the data and the fit), MB
                "max_rss_mb": peak_rss_mb(),
                "runs": runs,
            }
        )
    )


if __name__ == "__main__":
    main()
