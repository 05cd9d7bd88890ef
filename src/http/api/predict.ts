/**
 * `POST /predict` (seed contract): `data` rows → predictions with confidence and every class
 * score, synchronously up to ML_SYNC_PREDICT_MAX_ROWS, as a job beyond that; every prediction
 * is logged. With `dataset_id` instead of `data` (batch scoring) it is always a job, scoring
 * every row of a stored dataset in its order; `GET /predict/{job_id}?format=csv|ndjson`
 * downloads the result. `POST /quality` scores a version on labelled rows.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { datasetForUser } from "../../datasets/store";
import { invalid } from "../../errors";
import { predictionJob, predictionsCsv, predictionsNdjson } from "../../jobs/predict-results";
import { enqueue, jobView } from "../../jobs/queue";
import { classificationMetrics, regressionMetrics } from "../../ml/evaluate";
import { FeatureError, isMissing, type Row, unrepresentableNumbers } from "../../ml/features";
import { predictRows } from "../../registry/serving";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { strictBody } from "../strict-body";
import { jsonBody, queryParams } from "../validate";

const Cell = v.union([v.number(), v.string(), v.boolean(), v.null()]);
const Rows = v.union([v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1)), v.record(v.string(), Cell)]);

export const PredictBody = v.pipe(
  strictBody({
    model_key: v.pipe(v.string(), v.minLength(1)),
    version: v.optional(v.string()),
    data: v.optional(Rows),
    /** batch scoring: every row of this stored dataset, as a job */
    dataset_id: v.optional(v.pipe(v.string(), v.minLength(1))),
  }),
  v.check((b) => (b.data === undefined) !== (b.dataset_id === undefined), "give exactly one of data or dataset_id"),
);

const Format = v.object({ format: v.optional(v.picklist(["json", "csv", "ndjson"])) });

export const QualityBody = strictBody({
  model_key: v.pipe(v.string(), v.minLength(1)),
  version: v.optional(v.string()),
  items: v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1)),
  target_field: v.optional(v.string()),
});

const asRows = (data: Row | Row[]) => (Array.isArray(data) ? data : [data]);

/** 422 naming each number a model cannot take (`data.0.x`: not finite, or beyond float32). */
function checkNumbers(rows: Row[], field: "data" | "items") {
  const issues = unrepresentableNumbers(rows, field);
  const first = issues[0];
  if (first) throw invalid(`${first.path}: ${first.message}`, issues.slice(0, 100));
}

/** Feature errors (missing fields, wrong types) are the client's: 422 with their paths. */
async function guard<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof FeatureError) throw invalid(e.message, e.details);
    throw e;
  }
}

export function predictRoutes(deps: Pick<AppDeps, "db" | "config" | "now" | "runtime">) {
  const { runtime, config, now } = deps;
  return new Hono<AppEnv>()
    .post(
      "/predict",
      requireRole("user"),
      jsonBody(PredictBody),
      queryParams(v.object({ format: v.optional(v.picklist(["json", "csv"])) })),
      async (c) => {
        const started = performance.now();
        const body = c.req.valid("json");
        if (body.dataset_id !== undefined) {
          const ds = await datasetForUser(deps, signedIn(c), body.dataset_id);
          if (body.version) await runtime.models.load(body.model_key, body.version);
          else await runtime.models.active(body.model_key);
          const job = await enqueue(deps.db, {
            type: "predict",
            modelKey: body.model_key,
            version: body.version ?? null,
            params: { model_key: body.model_key, version: body.version ?? null, dataset_id: ds.id },
            createdBy: signedIn(c).userId ?? null,
            now: now().toISOString(),
          });
          runtime.jobs.kick();
          return c.json(
            { job_id: job.id, status: job.status, model_key: body.model_key, dataset_id: ds.id, rows: ds.row_count },
            202,
          );
        }
        const rows = asRows(body.data as Row | Row[]);
        checkNumbers(rows, "data");
        if (rows.length > config.ML_SYNC_PREDICT_MAX_ROWS) {
          // validate the model exists before queueing
          if (body.version) await runtime.models.load(body.model_key, body.version);
          else await runtime.models.active(body.model_key);
          const job = await enqueue(deps.db, {
            type: "predict",
            modelKey: body.model_key,
            version: body.version ?? null,
            params: { model_key: body.model_key, version: body.version ?? null, data: rows },
            createdBy: signedIn(c).userId ?? null,
            now: now().toISOString(),
          });
          runtime.jobs.kick();
          return c.json({ job_id: job.id, status: job.status, model_key: body.model_key, rows: rows.length }, 202);
        }
        const loaded = body.version
          ? await runtime.models.load(body.model_key, body.version)
          : await runtime.models.active(body.model_key);
        const out = await guard(() => predictRows(runtime.servingBackend, loaded, rows));
        const perRow = (performance.now() - started) / rows.length;
        const predictions = out.map((o, i) => ({
          prediction_id: runtime.predictionLog.add({
            model_key: body.model_key,
            version: loaded.version,
            input: rows[i],
            prediction: o.prediction,
            confidence: o.confidence,
            latency_ms: perRow,
            created_by: signedIn(c).userId,
          }),
          ...o,
        }));
        if (c.req.valid("query").format === "csv") {
          return c.body(predictionsCsv(predictions, { ids: true }), 200, { "content-type": "text/csv; charset=utf-8" });
        }
        return c.json({
          model_key: body.model_key,
          version: loaded.version,
          predictions,
          processing_time_ms: Math.round((performance.now() - started) * 1000) / 1000,
        });
      },
    )
    .get("/predict/:job_id", requireRole("user"), queryParams(Format), async (c) => {
      const job = await predictionJob(deps.db, signedIn(c), c.req.param("job_id"));
      const view = jobView(job);
      const format = c.req.valid("query").format;
      if (job.status === "completed" && format === "csv") {
        return c.body(predictionsCsv(view.result.predictions, { ids: true }), 200, {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${job.id}.csv"`,
        });
      }
      if (job.status === "completed" && format === "ndjson") {
        return c.body(predictionsNdjson(view.result.predictions), 200, {
          "content-type": "application/x-ndjson; charset=utf-8",
          "content-disposition": `attachment; filename="${job.id}.ndjson"`,
        });
      }
      return c.json(view);
    })
    .post("/quality", requireRole("user"), jsonBody(QualityBody), async (c) => {
      const body = c.req.valid("json");
      const loaded = body.version
        ? await runtime.models.load(body.model_key, body.version)
        : await runtime.models.active(body.model_key);
      const target = body.target_field ?? loaded.artifact.target.field;
      const rows = body.items.filter((r) => !isMissing(r[target]));
      if (rows.length === 0) throw invalid(`no item has a value for the target ${target}`);
      checkNumbers(rows, "items");
      const out = await guard(() => predictRows(runtime.servingBackend, loaded, rows));
      const metrics =
        loaded.artifact.model.task === "classification"
          ? classificationMetrics(
              rows.map((r) => String(r[target])),
              out.map((o) => String(o.prediction)),
              (loaded.artifact.model.classes ?? []).map(String),
            )
          : regressionMetrics(
              rows.map((r) => Number(r[target])),
              out.map((o) => Number(o.prediction)),
            );
      return c.json({ model_key: body.model_key, version: loaded.version, target_field: target, metrics });
    });
}
