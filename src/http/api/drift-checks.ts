/**
 * The kept history of drift checks: `GET /drift/checks` (model_key, from/to days, drifted,
 * paging; newest first) and `GET /drift/checks/{id}`: JSON by default; `?format=json` downloads
 * it as a file, `?format=html` downloads one self-contained HTML report (views/pages/drift-export).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { renderDriftCheckHtml } from "../../../views/pages/drift-export";
import { getCheckRun, listCheckRuns } from "../../monitoring/history";
import type { AppDeps, AppEnv } from "../env";
import { requireRole } from "../middleware/route-access";
import { responds } from "../route-doc";
import { queryParams } from "../validate";
import { JsonObject, page, Timestamp } from "./shapes";

const day = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD"));
const ChecksQuery = v.object({
  model_key: v.optional(v.pipe(v.string(), v.minLength(1))),
  from: v.optional(day),
  to: v.optional(day),
  drifted: v.optional(
    v.pipe(
      v.picklist(["true", "false"]),
      v.transform((s) => s === "true"),
    ),
  ),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500)), "50"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
});
/** A kept check as `GET /drift/checks` lists it; the one-check read adds `features`. */
const CheckRun = v.object({
  check_id: v.number(),
  model_key: v.string(),
  version: v.nullable(v.string()),
  check_date: v.string(),
  status: v.picklist(["decided", "undecided"]),
  drifted: v.nullable(v.boolean()),
  reason: v.string(),
  rows: v.number(),
  min_rows: v.nullable(v.number()),
  share_drifted: v.nullable(v.number()),
  drifted_features: v.array(v.string()),
  window_start: v.string(),
  window_end: v.string(),
  alert_id: v.nullable(v.number()),
  retrain_job_id: v.nullable(v.string()),
  created_at: Timestamp,
});
const CheckRunDetail = v.object({
  ...CheckRun.entries,
  features: v.pipe(v.array(JsonObject), v.description("per feature: its statistics, PSI and histograms")),
});
const HTML_REPORT = { media: "text/html", schema: { type: "string", description: "one self-contained report" } };

const CheckQuery = v.object({ format: v.optional(v.picklist(["json", "html"])) });

export function driftCheckRoutes(deps: Pick<AppDeps, "db">) {
  return new Hono<AppEnv>()
    .get(
      "/drift/checks",
      requireRole("user"),
      queryParams(ChecksQuery),
      responds({ 200: page(CheckRun) }),
      async (c) => {
        const { model_key: modelKey, ...filter } = c.req.valid("query");
        return c.json(await listCheckRuns(deps.db, { ...filter, modelKey }));
      },
    )
    .get(
      "/drift/checks/:id",
      requireRole("user"),
      queryParams(CheckQuery),
      responds({ 200: [CheckRunDetail, HTML_REPORT] }, { params: { id: v.pipe(v.number(), v.integer()) } }),
      async (c) => {
        const check = await getCheckRun(deps.db, Number(c.req.param("id")));
        const { format } = c.req.valid("query");
        const name = `drift-check-${check.check_id}-${check.model_key.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
        if (format === "html") {
          c.header("Content-Disposition", `attachment; filename="${name}.html"`);
          return c.html(renderDriftCheckHtml(check));
        }
        if (format === "json") c.header("Content-Disposition", `attachment; filename="${name}.json"`);
        return c.json(check);
      },
    );
}
