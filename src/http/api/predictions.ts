/**
 * `GET /predictions` (seed 004's prediction log): logged predictions newest first with input,
 * output, confidence and `response_time_ms`; `model_key`, `version`, `from`/`to` (ISO times,
 * inclusive; no `to` reaches now), `limit`/`offset`; `?format=csv` for the page as CSV.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { listPredictions, predictionsLogCsv } from "../../monitoring/prediction-history";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { queryParams } from "../validate";
import { JsonObject, page, Timestamp } from "./shapes";

const IsoTime = v.pipe(
  v.string(),
  v.check((s) => !Number.isNaN(Date.parse(s)), "an ISO 8601 time"),
  v.transform((s) => new Date(s).toISOString()),
);

const PredictionsQuery = v.object({
  model_key: v.optional(v.string()),
  version: v.optional(v.string()),
  from: v.optional(IsoTime),
  to: v.optional(IsoTime),
  format: v.optional(v.picklist(["json", "csv"]), "json"),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), "100"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
});

const LoggedPrediction = v.object({
  prediction_id: v.number(),
  model_key: v.string(),
  version: v.string(),
  timestamp: Timestamp,
  input: JsonObject,
  prediction: v.unknown(),
  confidence: v.nullable(v.number()),
  response_time_ms: v.number(),
  job_id: v.pipe(v.nullable(v.string()), v.description("the batch job that made it; null for a live prediction")),
});
const LOG_CSV = { media: "text/csv", schema: { type: "string", description: "one row per logged prediction" } };

export function predictionsRoutes(deps: Pick<AppDeps, "db" | "runtime">) {
  return new Hono<AppEnv>().get(
    "/predictions",
    requireRole("user"),
    queryParams(PredictionsQuery),
    responds({ 200: [page(LoggedPrediction), LOG_CSV] }),
    async (c) => {
      const q = c.req.valid("query");
      // a prediction answered a moment ago may still wait in the log's buffer
      await deps.runtime.predictionLog.flush();
      const page = await listPredictions(deps.db, signedIn(c), {
        modelKey: q.model_key,
        version: q.version,
        from: q.from,
        to: q.to,
        limit: q.limit,
        offset: q.offset,
      });
      if (q.format === "csv") {
        return c.body(predictionsLogCsv(page.items), 200, {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": 'attachment; filename="predictions.csv"',
        });
      }
      return c.json(page);
    },
  );
}
