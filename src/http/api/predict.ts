/**
 * `POST /predict` (seed contract): `data` rows → predictions with confidence and every class
 * score, synchronously up to ML_SYNC_PREDICT_MAX_ROWS, as a job beyond that; every prediction
 * is logged; each prediction echoes its `input` (seed 000); `async: true` always answers with a job
 * (seed 001). With `dataset_id` instead of `data`, or with a data file as the body (CSV, NDJSON
 * or Parquet, gzip or not; the model in `?model_key=`, table-media.ts), it is batch scoring:
 * always a job scoring every row in the file's order (src/jobs/batch-scoring.ts);
 * `GET /predict/{job_id}?format=csv|ndjson` downloads the result. `POST /quality` scores a
 * version on labelled rows, or without rows on its held-out data plus the model's labelled feedback.
 */
import { Hono } from "hono";
import { createFactory } from "hono/factory";
import * as v from "valibot";
import { invalid } from "../../errors";
import { startBatchScoring } from "../../jobs/batch-scoring";
import { predictionJob, predictionsCsv, predictionsNdjson } from "../../jobs/predict-results";
import { versionQuality } from "../../jobs/quality";
import { enqueue, jobView } from "../../jobs/queue";
import { FeatureError, FLOAT32_MAX, type Row } from "../../ml/features";
import { predictionTarget } from "../../registry/aliases";
import { canonicalVersion } from "../../registry/artifact";
import { checkNumbers, predictionObjects, predictNow } from "../../registry/predict-now";
import { PREDICT_BATCH_PATH } from "../compat/pipeline";
import type { AppDeps, AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { isScoringMedia, tableBodies } from "../table-media";
import { jsonBody, queryParams } from "../validate";
import { answerOf, predictAnswerJson } from "./predict-answer";
import { Job, JsonObject, Queued } from "./shapes";

const Cell = v.union([v.number(), v.string(), v.boolean(), v.null()]);
const Rows = v.union([v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1)), v.record(v.string(), Cell)]);

/** seed 000 clients name versions `v1.0.0` */
const Version = v.pipe(v.string(), v.transform(canonicalVersion));

export const PredictBody = v.pipe(
  strictBody({
    /** a model key, or `model_key@alias` */
    model_key: v.pipe(v.string(), v.minLength(1)),
    version: v.optional(Version),
    /** a named alias of the model (`champion`, `challenger`, …) instead of a version */
    alias: v.optional(v.pipe(v.string(), v.minLength(1))),
    data: v.optional(Rows),
    /** batch scoring: every row of this stored dataset, as a job */
    dataset_id: v.optional(v.pipe(v.string(), v.minLength(1))),
    /** seed 001's contract: always answer with a job (`GET /predict/{job_id}`), whatever the size */
    async: v.optional(v.boolean(), false),
  }),
  v.check((b) => (b.data === undefined) !== (b.dataset_id === undefined), "give exactly one of data or dataset_id"),
);

const Format = v.object({ format: v.optional(v.picklist(["json", "csv", "ndjson"])) });

/** The query of POST /predict: the answer's format; with a data file as the body, which model scores it. */
const PredictQuery = v.object({
  format: v.optional(v.picklist(["json", "csv"])),
  /** a data-file body: the model, or `model_key@alias` (`model` is the same) */
  model_key: v.optional(v.pipe(v.string(), v.minLength(1))),
  model: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** a data-file body: the version to score with (else the serving one) */
  version: v.optional(Version),
  /** a data-file body: a named alias instead of a version */
  alias: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** a data-file body: the file's name, shown with the stored dataset */
  filename: v.optional(v.pipe(v.string(), v.maxLength(255))),
});

/** A request whose body is a data file to score rather than JSON. */
const fileBody = (c: { req: { header: (name: string) => string | undefined } }) =>
  isScoringMedia(c.req.header("content-type"));

export const QualityBody = strictBody({
  model_key: v.pipe(v.string(), v.minLength(1)),
  version: v.optional(Version),
  /** labelled rows; absent: the version's held-out rows plus the model's labelled feedback */
  items: v.optional(v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1))),
  target_field: v.optional(v.string()),
});

const Prediction = v.object({
  prediction_id: v.pipe(v.number(), v.description("the logged prediction, for POST /feedback")),
  input: v.pipe(JsonObject, v.description("the row as sent")),
  prediction: v.union([v.string(), v.number(), v.boolean()]),
  confidence: v.nullable(v.number()),
  all_scores: v.nullable(v.record(v.string(), v.number())),
});

/** 200: one prediction per row, in order. */
export const PredictResult = v.object({
  model_key: v.string(),
  version: v.string(),
  alias: v.optional(v.pipe(v.string(), v.description("the alias named in the request"))),
  predictions: v.array(Prediction),
  processing_time_ms: v.number(),
});

const PREDICTIONS_CSV = { media: "text/csv", schema: { type: "string", description: "one row per prediction" } };
const PREDICTIONS_NDJSON = {
  media: "application/x-ndjson",
  schema: { type: "string", description: "one JSON line per prediction" },
};
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
  for (const k in b) if (k !== "model_key" && k !== "version" && k !== "data" && k !== "async") return false;
  const o = b as { model_key?: unknown; version?: unknown; data?: unknown; async?: unknown };
  if (typeof o.model_key !== "string" || o.model_key.length === 0) return false;
  // a "v1.0.0" version goes the schema's way, which writes it canonically
  if (o.version !== undefined && (typeof o.version !== "string" || o.version.startsWith("v"))) return false;
  if (o.async !== undefined && typeof o.async !== "boolean") return false;
  if (!Array.isArray(o.data)) return plainRow(o.data);
  if (o.data.length === 0) return false;
  for (const r of o.data) if (!plainRow(r)) return false;
  return true;
}

/** A plain body (isPlainPredictBody) as PredictBody would return it (`async` filled in); else undefined. */
export function plainPredictBody(b: unknown): v.InferOutput<typeof PredictBody> | undefined {
  if (!isPlainPredictBody(b)) return undefined;
  const o = b as v.InferOutput<typeof PredictBody>;
  return o.async === undefined ? { ...o, async: false } : o;
}

/** `data` as a list of rows (one row may be sent alone). */
export const asRows = (data: Row | Row[]) => (Array.isArray(data) ? data : [data]);

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
  const predictDeps = { ...runtime, db: deps.db, config, now };
  const predict = createFactory<AppEnv>().createHandlers(
    requireRole("user"),
    jsonBody(PredictBody, plainPredictBody, fileBody),
    queryParams(PredictQuery),
    responds(
      {
        200: [PredictResult, PREDICTIONS_CSV],
        202: v.object({ ...Queued.entries, dataset_id: v.optional(v.string()), rows: v.number() }),
      },
      {
        body: tableBodies("a data file to score as a job (batch scoring); ?model_key= names the model"),
        errors: {
          413: "a data file over ML_MAX_CSV_UPLOAD_BYTES",
          503: "the model is still training or its version cannot serve",
        },
      },
    ),
    async (c) => {
      const started = performance.now();
      const scoring = { db: deps.db, config, now, models: runtime.models, jobs: runtime.jobs };
      if (fileBody(c)) {
        const q = c.req.valid("query");
        const named = q.model_key ?? q.model;
        if (q.model_key && q.model && q.model_key !== q.model) {
          throw invalid("query.model: names another model than query.model_key", [
            { path: "query.model", message: "disagrees with model_key" },
          ]);
        }
        if (!named) {
          throw invalid("query.model_key: name the model that scores the file (?model_key=)", [
            { path: "query.model_key", message: "required with a data-file body" },
          ]);
        }
        const { modelKey, version } = await predictionTarget(deps.db, {
          model_key: named,
          version: q.version,
          alias: q.alias,
        });
        const body = c.req.raw.body;
        if (!body) throw invalid("the request has no body: expected a data file to score");
        const job = await startBatchScoring(scoring, {
          actor: signedIn(c),
          createdBy: signedIn(c).userId ?? null,
          modelKey,
          version,
          data: { source: body, filename: q.filename },
          traceId: c.get("traceId"),
        });
        noteAudit(c, { input: { model_key: modelKey, version: version ?? null, dataset_id: job.dataset_id } });
        return c.json(job, 202);
      }
      const body = c.req.valid("json");
      if (body.dataset_id !== undefined) {
        const { modelKey, version } = await predictionTarget(deps.db, body);
        const job = await startBatchScoring(scoring, {
          actor: signedIn(c),
          createdBy: signedIn(c).userId ?? null,
          modelKey,
          version,
          data: { datasetId: body.dataset_id },
          traceId: c.get("traceId"),
        });
        return c.json(job, 202);
      }
      const rows = asRows(body.data as Row | Row[]);
      // the rows themselves are in the prediction log: the audit event names them, it does not copy them
      noteAudit(c, { input: { model_key: body.model_key, version: body.version ?? null, rows: rows.length } });
      if (body.async || rows.length > config.ML_SYNC_PREDICT_MAX_ROWS) {
        checkNumbers(rows, "data");
        const { modelKey, version } = await predictionTarget(deps.db, body);
        // validate the model exists before queueing
        if (version) await runtime.models.load(modelKey, version);
        else await runtime.models.active(modelKey);
        const job = await enqueue(deps.db, {
          type: "predict",
          modelKey,
          version: version ?? null,
          params: { model_key: modelKey, version: version ?? null, data: rows },
          createdBy: signedIn(c).userId ?? null,
          now: now().toISOString(),
          traceId: c.get("traceId"),
        });
        runtime.jobs.kick();
        return c.json({ job_id: job.id, status: job.status, model_key: modelKey, rows: rows.length }, 202);
      }
      const done = await predictNow(predictDeps, signedIn(c), { ...body, rows }, started);
      if (c.req.valid("query").format === "csv") {
        return c.body(predictionsCsv(predictionObjects(done.ids, rows, done.outputs), { ids: true }), 200, {
          "content-type": "text/csv; charset=utf-8",
        });
      }
      const text = predictAnswerJson(answerOf(done, started));
      return c.body(text, 200, { "content-type": "application/json" });
    },
  );
  return (
    new Hono<AppEnv>()
      .post("/predict", ...predict)
      // seed 003's "optimized batch predictions" path is the same operation (src/http/compat/pipeline.ts)
      .post(PREDICT_BATCH_PATH, ...predict)
      .get(
        "/predict/:job_id",
        requireRole("user"),
        queryParams(Format),
        responds({ 200: [Job, PREDICTIONS_CSV, PREDICTIONS_NDJSON] }),
        async (c) => {
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
        },
      )
      .post(
        "/quality",
        requireRole("user"),
        jsonBody(QualityBody),
        responds(
          {
            200: v.looseObject({
              model_key: v.string(),
              version: v.string(),
              target_field: v.string(),
              metrics: JsonObject,
            }),
          },
          { errors: [503] },
        ),
        async (c) => {
          const body = c.req.valid("json");
          const loaded = body.version
            ? await runtime.models.load(body.model_key, body.version)
            : await runtime.models.active(body.model_key);
          if (body.items) checkNumbers(body.items, "items");
          const quality = { db: deps.db, config, now, backend: runtime.servingBackend };
          return c.json(
            await guard(() => versionQuality(quality, { loaded, items: body.items, targetField: body.target_field })),
          );
        },
      )
  );
}
