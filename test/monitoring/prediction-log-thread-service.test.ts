/**
 * The service on a SQLite file, whose prediction log writes on its own thread: a burst of
 * predictions is all in the file after a clean stop, and with ML_PREDICTION_LOG=sync a write the
 * thread fails answers 503 while the rows wait for the next write.
 */
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { SqlitePredictionLogStore } from "../../src/db/sqlite/prediction-log-store";
import { startService } from "../ml-service/helpers";
import { features, normalRows, type Service, trainModel } from "./helpers";

let svc: Service | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});

const countLogged = (db: Database, ids: number[]) =>
  (
    db.query(`SELECT COUNT(*) AS n FROM predictions WHERE id IN (${ids.map(() => "?").join(",")})`).get(...ids) as {
      n: number;
    }
  ).n;

describe("prediction log writer thread in the service", () => {
  test("a burst of predictions is all in the file after a clean stop", async () => {
    const first = await startService({ ML_PREDICTION_LOG_FLUSH_MS: "60000" });
    await trainModel(first, "burst", normalRows(120, 3));
    const rows = features(normalRows(4, 4));
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => first.request("/predict", { json: { model_key: "burst", data: rows } })),
    );
    const ids = answers.flatMap((a) => {
      expect(a.status).toBe(200);
      return a.body.predictions.map((p: { prediction_id: number }) => p.prediction_id);
    });
    expect(ids).toHaveLength(240);
    const thread = (first.stores.predictionLog as SqlitePredictionLogStore).thread;
    await first.close(true);
    expect(thread?.started).toBeGreaterThanOrEqual(1);
    const file = new Database(join(first.dir, "store.db"), { readonly: true });
    try {
      expect(countLogged(file, ids)).toBe(240);
    } finally {
      file.close();
      rmSync(first.dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("ML_PREDICTION_LOG=sync: a write the thread fails answers 503; the rows are written once it succeeds", async () => {
    svc = await startService({ ML_PREDICTION_LOG: "sync", ML_PREDICTION_LOG_FLUSH_MS: "60000" });
    await trainModel(svc, "strict", normalRows(120, 5));
    const admin = new Database(svc.sqlite.filename);
    admin.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON predictions BEGIN SELECT RAISE(ABORT, 'refused for the test'); END",
    );
    const rows = features(normalRows(3, 6));
    const refused = await svc.request("/predict", { json: { model_key: "strict", data: rows } });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("not_ready");
    expect(svc.runtime.predictionLog.pending).toBe(3);

    admin.exec("DROP TRIGGER refuse");
    admin.close();
    const ok = await svc.request("/predict", { json: { model_key: "strict", data: rows } });
    expect(ok.status).toBe(200);
    const ids = ok.body.predictions.map((p: { prediction_id: number }) => p.prediction_id);
    expect(countLogged(svc.sqlite, ids)).toBe(3);
    expect(svc.runtime.predictionLog.pending).toBe(0);
  }, 60_000);
});
