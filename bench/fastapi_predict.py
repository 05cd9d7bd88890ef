"""The seed's own stack for the predict latency bench: FastAPI + uvicorn + scikit-learn.

Trains MLPClassifier on the same CSV and architecture, then serves POST /predict with the
same request and response shape, checking a bearer token against a stored hash and logging
every prediction to SQLite, as ML Service does. Usage:
  /usr/bin/python3 bench/fastapi_predict.py --csv TRAIN --target COL --port N --token T
"""
import argparse
import hashlib
import hmac
import json
import sqlite3
import tempfile
import time

import numpy as np
import uvicorn
from fastapi import FastAPI, Header, HTTPException, Request
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

ap = argparse.ArgumentParser()
ap.add_argument("--csv", required=True)
ap.add_argument("--target", required=True)
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--token", required=True)
args = ap.parse_args()

with open(args.csv) as f:
    header = f.readline().strip().split(",")
    rows = [line.strip().split(",") for line in f if line.strip()]
t = header.index(args.target)
features = [h for i, h in enumerate(header) if i != t]
X = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows], dtype=np.float32)
y = np.array([r[t] for r in rows])
scaler = StandardScaler().fit(X)
model = MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=200, random_state=0).fit(scaler.transform(X), y)

token_hash = hashlib.sha256(args.token.encode()).digest()
db = sqlite3.connect(tempfile.mktemp(suffix=".db"), check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE predictions (id INTEGER PRIMARY KEY, model_key TEXT, created_at REAL, input TEXT, prediction TEXT, confidence REAL)")
app = FastAPI()


@app.post("/predict")
async def predict(request: Request, authorization: str = Header(default="")):
    given = hashlib.sha256(authorization.removeprefix("Bearer ").encode()).digest()
    if not hmac.compare_digest(given, token_hash):
        raise HTTPException(status_code=401, detail="unauthorized")
    started = time.perf_counter()
    body = await request.json()
    data = body["data"] if isinstance(body["data"], list) else [body["data"]]
    x = np.array([[float(r[f]) for f in features] for r in data], dtype=np.float32)
    probs = model.predict_proba(scaler.transform(x))
    out = []
    for r, p in zip(data, probs):
        k = int(np.argmax(p))
        label = str(model.classes_[k])
        db.execute(
            "INSERT INTO predictions (model_key, created_at, input, prediction, confidence) VALUES (?, ?, ?, ?, ?)",
            (body["model_key"], time.time(), json.dumps(r), label, float(p[k])),
        )
        out.append({"prediction": label, "confidence": float(p[k]),
                    "all_scores": {str(c): float(s) for c, s in zip(model.classes_, p)}})
    db.commit()
    return {"model_key": body["model_key"], "predictions": out,
            "processing_time_ms": (time.perf_counter() - started) * 1000}


uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
