/**
 * `POST /predict` (seed contract): `data` rows → predictions with confidence and every class
 * score, synchronously up to ML_SYNC_PREDICT_MAX_ROWS, as a job beyond that; every prediction
 * is logged. `POST /quality` scores a version on labelled rows.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireRole, signedIn } from "../../auth/routes-policy";
import { invalid, notFound } from "../../errors";
import { enqueue, getJob, jobView } from "../../jobs/queue";
import { classificationMetrics, regressionMetrics } from "../../ml/evaluate";
import { FeatureError, isMissing, type Row } from "../../ml/features";
import { predictRows } from "../../registry/serving";
import type { Runtime } from "../../runtime";
import type { AppDeps, AppEnv } from "../env";
import { jsonBody, queryParams } from "../validate";

const Cell = v.union([v.number(), v.string(), v.boolean(), v.null()]);
const Rows = v.union([v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1)), v.record(v.string(), Cell)]);

export const PredictBody = v.object({
  model_key: v.pipe(v.string(), v.minLength(1)),
  version: v.optional(v.string()),
  data: Rows,
});

export const QualityBody = v.object({
  model_key: v.pipe(v.string(), v.minLength(1)),
  version: v.optional(v.string()),
  items: v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1)),
  target_field: v.optional(v.string()),
});

const asRows = (data: Row | Row[]) => (Array.isArray(data) ? data : [data]);

function checkFinite(rows: Row[]) {
  rows.forEach((r, i) => {
    for (const [k, val] of Object.entries(r)) {
      if (typeof val === "number" && !Number.isFinite(val)) throw invalid(`data.${i}.${k} is not a finite number`);
    }
  });
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

function toCsv(
  predictions: {
    prediction_id?: number;
    prediction: unknown;
    confidence: number | null;
    all_scores: Record<string, number> | null;
  }[],
): string {
  const classes = Object.keys(predictions[0]?.all_scores ?? {});
  const esc = (s: unknown) => {
    const t = s === null || s === undefined ? "" : String(s);
    return /[",\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  const header = ["prediction_id", "prediction", "confidence", ...classes.map((c) => `score_${c}`)];
  const lines = predictions.map((p) =>
    [p.prediction_id, p.prediction, p.confidence, ...classes.map((c) => p.all_scores?.[c])].map(esc).join(","),
  );
  return `${[header.join(","), ...lines].join("\n")}\n`;
}

export function predictRoutes(deps: AppDeps & { runtime: Runtime }) {
  const { runtime, config } = deps;
  const now = () => (deps.now ?? (() => new Date()))();
  return new Hono<AppEnv>()
    .post(
      "/predict",
      requireRole("user"),
      jsonBody(PredictBody),
      queryParams(v.object({ format: v.optional(v.picklist(["json", "csv"])) })),
      async (c) => {
        const started = performance.now();
        const body = c.req.valid("json");
        const rows = asRows(body.data);
        checkFinite(rows);
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
          }),
          ...o,
        }));
        if (c.req.valid("query").format === "csv") {
          return c.body(toCsv(predictions), 200, { "content-type": "text/csv; charset=utf-8" });
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
        const job = await getJob(deps.db, c.req.param("job_id"));
        if (job.type !== "predict") throw notFound(`prediction job ${job.id}`);
        const view = jobView(job);
        if (job.status === "completed" && c.req.valid("query").format === "csv") {
          return c.body(toCsv(view.result.predictions), 200, {
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
      checkFinite(rows);
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
