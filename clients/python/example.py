"""A whole round with mlservice_client: upload a CSV, train on it, predict, list models, check drift.

    ML_SERVICE_URL=http://127.0.0.1:8085 ML_ADMIN_API_TOKEN=... python3 clients/python/example.py
    ML_SERVICE_URL=... ML_USERNAME=alice ML_PASSWORD=... python3 clients/python/example.py

Standard library only; exits non-zero with the service's error message if a step fails.
"""

import csv
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mlservice_client import Client, MLServiceError  # noqa: E402

MODEL_KEY = os.environ.get("ML_EXAMPLE_MODEL", "python-example")


def two_clusters(rows, seed=7):
    """Points around (0, 0) labelled "low" and around (3, 3) labelled "high"."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        label, centre = ("low", 0.0) if i % 2 == 0 else ("high", 3.0)
        out.append({"x": round(centre + rng.gauss(0, 0.6), 4), "y": round(centre + rng.gauss(0, 0.6), 4), "label": label})
    return out


def main():
    ml = Client(
        os.environ.get("ML_SERVICE_URL", "http://127.0.0.1:8085"),
        token=os.environ.get("ML_TOKEN"),
        admin_token=os.environ.get("ML_ADMIN_API_TOKEN"),
    )
    if os.environ.get("ML_USERNAME"):
        ml.login(os.environ["ML_USERNAME"], os.environ["ML_PASSWORD"])
    print("ready:", ml.ready())

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "clusters.csv")
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["x", "y", "label"])
            writer.writeheader()
            writer.writerows(two_clusters(120))
        dataset = ml.upload_dataset(path, name=MODEL_KEY + "-data")
    print("uploaded dataset:", dataset["id"], dataset["row_count"], "rows")

    job = ml.train(MODEL_KEY, target_field="label", dataset_id=dataset["id"], hyperparameters={"max_iter": 50})
    print("training job:", job["job_id"], "version", job["version"])
    done = ml.wait_job(job["job_id"], timeout=300)
    print("trained:", done["status"])

    answer = ml.predict(MODEL_KEY, [{"x": 0.1, "y": -0.2}, {"x": 3.2, "y": 2.9}])
    for p in answer["predictions"]:
        print("prediction:", p["prediction"], "confidence %.3f" % p["confidence"])

    page = ml.models(limit=10)
    print("models:", ", ".join(m["model_key"] for m in page["models"]), "(total %d)" % page["total"])

    try:
        ml.predict("no-such-model", {"x": 1, "y": 1})
    except MLServiceError as e:
        print("unknown model answers:", e.status, e.code)

    report = ml.drift_check(MODEL_KEY)
    print("drift check:", report["status"], "drifted" if report["drifted"] else "not drifted")


if __name__ == "__main__":
    try:
        main()
    except MLServiceError as e:
        print("error:", e, file=sys.stderr)
        sys.exit(1)
