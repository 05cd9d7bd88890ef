/**
 * The `predict` job: batches past ML_SYNC_PREDICT_MAX_ROWS, or a whole stored dataset (batch
 * scoring: read by the one reader, scored in chunks, in its row order), predicted off the
 * request and logged; rows the serving version answered are live traffic, so the model's shadow
 * gets a copy.
 */
import type { Kysely } from "kysely";
import type { Backend } from "../compute/backend";
import type { Config } from "../config";
import { tableRows } from "../datasets/reader";
import { loadDatasetTable } from "../datasets/store";
import type { DB } from "../db/schema";
import type { Row } from "../ml/features";
import type { PredictionLog } from "../monitoring/prediction-log";
import type { ShadowTraffic } from "../monitoring/shadow-traffic";
import { type ModelCache, type Prediction, predictRows } from "../registry/serving";
import { PredictParams, readParams } from "./params";
import type { JobRow } from "./queue";
import type { JobContext } from "./runner";

export function predictHandler(deps: {
  db: Kysely<DB>;
  config: Config;
  now: () => Date;
  models: ModelCache;
  predictionLog: PredictionLog;
  servingBackend: () => Promise<Backend>;
  shadow?: ShadowTraffic;
}) {
  return async (job: JobRow, ctx: JobContext) => {
    const p = readParams(PredictParams, job);
    const loaded = p.version ? await deps.models.load(p.model_key, p.version) : await deps.models.active(p.model_key);
    const started = performance.now();
    let data: Row[] = p.data ?? [];
    if (p.dataset_id) {
      await ctx.progress({ stage: "loading_data", progress: 0.01 });
      data = tableRows(await loadDatasetTable({ db: deps.db, config: deps.config, now: deps.now }, p.dataset_id));
    }
    const predictions: ({ prediction_id: number } & Prediction)[] = [];
    const chunk = 10_000;
    for (let i = 0; i < data.length; i += chunk) {
      if (ctx.signal.aborted) throw new Error("cancelled");
      const rows = data.slice(i, i + chunk);
      const out = await predictRows(deps.servingBackend, loaded, rows);
      const perRow = (performance.now() - started) / (i + rows.length);
      const first = predictions.length;
      const ids = await Promise.all(
        out.map((o, k) =>
          deps.predictionLog.add({
            model_key: p.model_key,
            version: loaded.version,
            input: rows[k],
            prediction: o.prediction,
            confidence: o.confidence,
            latency_ms: perRow,
            job_id: job.id,
            created_by: job.created_by,
          }),
        ),
      );
      for (const [k, o] of out.entries()) predictions.push({ prediction_id: ids[k] as number, ...o });
      if (!p.version) deps.shadow?.offer(loaded, rows, predictions.slice(first));
      await ctx.progress({ stage: "predicting", progress: (i + rows.length) / data.length });
    }
    return {
      ...(p.dataset_id && { dataset_id: p.dataset_id }),
      model_key: p.model_key,
      version: loaded.version,
      predictions,
      processing_time_ms: performance.now() - started,
    };
  };
}
