/**
 * `POST /predict` (seed contract): `data` rows → predictions with confidence and every class
 * score, synchronously up to ML_SYNC_PREDICT_MAX_ROWS, as a job beyond that; every prediction
 * is logged. `POST /quality` scores a version on labelled rows.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { invalid, ServiceError } from "../../errors";
import { predictionJob, predictionsCsv } from "../../jobs/predict-results";
import { enqueue, jobView } from "../../jobs/queue";
import { classificationMetrics, regressionMetrics } from "../../ml/evaluate";
import { FeatureError, FLOAT32_MAX, isMissing, type Row, unrepresentableNumbers } from "../../ml/features";
import type { PredictionLog } from "../../monitoring/prediction-log";
import { Deadline } from "../../registry/deadline";
import { predictRows } from "../../registry/serving";
import type { AppDeps, AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { strictBody } from "../strict-body";
import { jsonBody, queryParams } from "../validate";

const Cell = v.union([v.number(), v.string(), v.boolean(), v.null()]);
const Rows = v.union([v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1)), v.record(v.string(), Cell)]);

export const PredictBody = strictBody({
  model_key: v.pipe(v.string(), v.minLength(1)),
  version: v.optional(v.string()),
  data: Rows,
});

export const QualityBody = strictBody({
  model_key: v.pipe(v.string(), v.minLength(1)),
  version: v.optional(v.string()),
  items: v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1)),
  target_field: v.optional(v.string()),
});

/** A row of cells PredictBody takes, every number finite and within float32 (checkNumbers' rule). */
function plainRow(r: unknown): boolean {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return false;
  for (const k in r) {
    const cell = (r as Record<string, unknown>)[k];
    if (typeof cell === "number") {
      if (!(Math.abs(cell) <= FLOAT32_MAX)) return false;
    } else if (cell !== null && typeof cell !== "string" && typeof cell !== "boolean") return false;
  }
  return true;
}

/** PredictBody's common case without valibot: only these keys, a non-empty model_key, plain rows. */
export function isPlainPredictBody(b: unknown): boolean {
  if (typeof b !== "object" || b === null || Array.isArray(b)) return false;
  for (const k in b) if (k !== "model_key" && k !== "version" && k !== "data") return false;
  const o = b as { model_key?: unknown; version?: unknown; data?: unknown };
  if (typeof o.model_key !== "string" || o.model_key.length === 0) return false;
  if (o.version !== undefined && typeof o.version !== "string") return false;
  if (!Array.isArray(o.data)) return plainRow(o.data);
  if (o.data.length === 0) return false;
  for (const r of o.data) if (!plainRow(r)) return false;
  return true;
}

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

/** ML_PREDICTION_LOG=sync: the answer waits for its log rows to be committed; a failed write is a 503. */
async function logged(log: PredictionLog): Promise<void> {
  try {
    await log.committed();
  } catch (e) {
    throw new ServiceError(503, "not_ready", "the prediction could not be written to the log; try again", {
      reason: (e as Error).message,
    });
  }
}

export function predictRoutes(deps: Pick<AppDeps, "db" | "config" | "now" | "runtime">) {
  const { runtime, config, now } = deps;
  return new Hono<AppEnv>()
    .post(
      "/predict",
      requireRole("user"),
      jsonBody(PredictBody, isPlainPredictBody),
      queryParams(v.object({ format: v.optional(v.picklist(["json", "csv"])) })),
      async (c) => {
        const started = performance.now();
        const deadline = new Deadline(config.ML_PREDICT_TIMEOUT_MS, () => now().getTime());
        const body = c.req.valid("json");
        const rows = asRows(body.data);
        // the rows themselves are in the prediction log: the audit event names them, it does not copy them
        noteAudit(c, { input: { model_key: body.model_key, version: body.version ?? null, rows: rows.length } });
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
        const loaded = await deadline.race(
          body.version ? runtime.models.load(body.model_key, body.version) : runtime.models.active(body.model_key),
        );
        const out = await deadline.race(guard(() => predictRows(runtime.servingBackend, loaded, rows)));
        // past its limit the answer is neither logged nor sent
        deadline.check();
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
        if (config.ML_PREDICTION_LOG === "sync") await logged(runtime.predictionLog);
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
    .get(
      "/predict/:job_id",
      requireRole("user"),
      queryParams(v.object({ format: v.optional(v.picklist(["json", "csv"])) })),
      async (c) => {
        const job = await predictionJob(deps.db, signedIn(c), c.req.param("job_id"));
        const view = jobView(job);
        if (job.status === "completed" && c.req.valid("query").format === "csv") {
          return c.body(predictionsCsv(view.result.predictions, { ids: true }), 200, {
            "content-type": "text/csv; charset=utf-8",
            "content-disposition": `attachment; filename="${job.id}.csv"`,
          });
        }
        return c.json(view);
      },
    )
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
