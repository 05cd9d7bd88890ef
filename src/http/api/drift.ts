/**
 * Drift and retraining: `POST /drift/check` (one model inline, with its report, for its owner,
 * maintainers and admins; all models as a queued `drift` job, for admins), `GET /drift/daily-reports`,
 * `GET /drift/daily-reports/{key}` (with per-feature statistics), `POST /models/{key}/retrain`
 * (manual), `GET /retrainings`. Every kept check: drift-checks.ts.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { retrainNow } from "../../jobs/retrain";
import { checkDriftNow } from "../../monitoring/check-now";
import { listDriftReports, listRetrainings } from "../../monitoring/reports";
import { getModel } from "../../registry/registry";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { jsonBody, queryParams } from "../validate";
import { DriftCheck, Json, JsonObject, page, Queued, Timestamp } from "./shapes";

export const DriftCheckBody = v.strictObject({ model_key: v.optional(v.pipe(v.string(), v.minLength(1))) });

const day = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD"));
const paging = {
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500)), "50"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
};
const ReportsQuery = v.object({
  model_key: v.optional(v.string()),
  from: v.optional(day),
  to: v.optional(day),
  drifted: v.optional(
    v.pipe(
      v.picklist(["true", "false"]),
      v.transform((s) => s === "true"),
    ),
  ),
  ...paging,
});
const RetrainingsQuery = v.object({
  model_key: v.optional(v.string()),
  status: v.optional(v.picklist(["activated", "rejected", "failed"])),
  ...paging,
});

/** A day's summary of a model's checks: the latest check that day, and how many ran. */
const DailyReport = v.object({
  ...DriftCheck.entries,
  min_rows: v.nullable(v.number()),
  run_id: v.pipe(v.nullable(v.number()), v.description("the kept check shown (GET /drift/checks/{id})")),
  checks: v.pipe(v.number(), v.description("checks run that day")),
});

/** One model checked inline: the check with its report, and what it raised (alert, retrain job). */
const DriftCheckResult = v.object({
  ...DriftCheck.entries,
  report: v.nullable(JsonObject),
  alert_id: v.nullable(v.number()),
  retrain_job_id: v.nullable(v.string()),
});
const Retraining = v.object({
  id: v.number(),
  model_key: v.string(),
  source_version: v.nullable(v.string()),
  new_version: v.nullable(v.string()),
  job_id: v.nullable(v.string()),
  trigger: v.picklist(["drift", "manual"]),
  status: v.picklist(["activated", "rejected", "failed"]),
  reason: v.nullable(v.string()),
  delta: v.nullable(v.number()),
  old_metrics: Json,
  new_metrics: Json,
  details: Json,
  reverted_at: v.nullable(Timestamp),
  created_at: Timestamp,
});

export function driftRoutes(deps: Pick<AppDeps, "db" | "now" | "runtime">) {
  const { now } = deps;
  return new Hono<AppEnv>()
    .post(
      "/drift/check",
      requireRole("user"),
      jsonBody(DriftCheckBody),
      responds({ 200: DriftCheckResult, 202: Queued }),
      async (c) => {
        const { model_key } = c.req.valid("json");
        const outcome = await checkDriftNow(
          { db: deps.db, now, drift: deps.runtime.drift, kick: () => deps.runtime.jobs.kick() },
          signedIn(c),
          model_key ?? null,
        );
        if (outcome.kind === "check") return c.json(outcome.result);
        return c.json({ job_id: outcome.job.id, status: outcome.job.status }, 202);
      },
    )
    .get(
      "/drift/daily-reports",
      requireRole("user"),
      queryParams(ReportsQuery),
      responds({ 200: page(DailyReport) }),
      async (c) => {
        const { model_key: modelKey, ...filter } = c.req.valid("query");
        return c.json(await listDriftReports(deps.db, { ...filter, modelKey }));
      },
    )
    .get(
      "/drift/daily-reports/:key",
      requireRole("user"),
      queryParams(v.object({ from: v.optional(day), to: v.optional(day), ...paging })),
      responds({
        200: v.object({
          model_key: v.string(),
          ...page(v.object({ ...DailyReport.entries, features: v.array(JsonObject) })).entries,
        }),
      }),
      async (c) => {
        const key = c.req.param("key");
        await getModel(deps.db, key);
        const q = c.req.valid("query");
        const page = await listDriftReports(
          deps.db,
          { modelKey: key, from: q.from, to: q.to, limit: q.limit, offset: q.offset },
          true,
        );
        return c.json({ model_key: key, ...page });
      },
    )
    .post(
      "/models/:key/retrain",
      requireRole("user"),
      responds({ 202: Queued }, { errors: { 409: "a retrain of the model is already queued or running" } }),
      async (c) => {
        const key = c.req.param("key");
        const job = await retrainNow({ db: deps.db, now }, signedIn(c), key, c.get("traceId"));
        deps.runtime.jobs.kick();
        return c.json({ job_id: job.id, status: job.status, model_key: key, version: job.version }, 202);
      },
    )
    .get(
      "/retrainings",
      requireRole("user"),
      queryParams(RetrainingsQuery),
      responds({ 200: page(Retraining) }),
      async (c) => {
        const q = c.req.valid("query");
        return c.json(
          await listRetrainings(deps.db, { modelKey: q.model_key, status: q.status, limit: q.limit, offset: q.offset }),
        );
      },
    );
}
