/**
 * Models and versions: `GET /models` (paged, `{"models": […]}` as seed 000 shows), `GET /models/{key}` (with owner and maintainers),
 * `GET /models/{key}/versions`, `GET /models/{key}/features`, `POST /models/{key}/rollback/{version}`
 * (recorded in `rollbacks`), `GET /models/{key}/rollbacks`, `GET|PUT /models/{key}/settings`
 * (monitoring), and the metric views `GET /metrics/trends` (paged), `GET /metrics/summary`.
 * Who may change a model is decided by the domain operations (src/registry/ownership.ts).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { hasMissingFlag } from "../../ml/features";
import { listRollbacks } from "../../monitoring/reports";
import { ModelSettingsBody, modelSettings, saveModelSettings } from "../../monitoring/settings";
import { rollbackModel } from "../../registry/activation";
import { metricsSummary, metricsTrends } from "../../registry/metric-views";
import { listModelSummaries, modelDetail, modelVersions } from "../../registry/queries";
import { getModel } from "../../registry/registry";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { jsonBody, queryParams } from "../validate";
import { Alias, Json, JsonObject, ModelSummary, page, Timestamp, Version } from "./shapes";

/** `?limit=&offset=` of the list routes: 1–500 (default 100, as seed 002's lists), offset ≥ 0. */
const Paging = {
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500)), "100"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
};
const ModelsQuery = v.object(Paging);

const ModelList = v.object({ models: v.array(ModelSummary), total: v.number(), limit: v.number(), offset: v.number() });
const ModelDetail = v.object({
  ...ModelSummary.entries,
  owner: v.nullable(v.string()),
  maintainers: v.array(v.object({ username: v.string(), added_by: v.nullable(v.string()), added_at: Timestamp })),
  aliases: v.array(Alias),
  shadow: v.nullable(
    v.object({
      model_key: v.string(),
      alias: v.string(),
      version: v.string(),
      started_by: v.nullable(v.string()),
      started_at: Timestamp,
    }),
  ),
  version_list: v.array(Version),
});
const Versions = v.object({ model_key: v.string(), active_version: v.nullable(v.string()), items: v.array(Version) });
const Feature = v.object({
  name: v.string(),
  type: v.picklist(["numeric", "categorical", "text", "boolean"]),
  count: v.number(),
  missing: v.number(),
  mean: v.optional(v.number()),
  std: v.optional(v.number()),
  categories: v.optional(v.array(v.string())),
  size: v.optional(v.number()),
  true_rate: v.optional(v.number()),
  /** numeric and boolean: whether a missing value also sets a flag input (false: only imputed) */
  missing_flag: v.optional(v.boolean()),
});
const Features = v.object({
  model_key: v.string(),
  version: v.string(),
  updated_at: Timestamp,
  input_width: v.number(),
  target: JsonObject,
  features: v.array(Feature),
});
const Settings = v.object({ model_key: v.string(), settings: JsonObject });
const TrendsQuery = v.object({ model_key: v.optional(v.string()), ...Paging });

export function modelsRoutes(deps: Pick<AppDeps, "db" | "config" | "bus" | "now" | "runtime">) {
  const { db, now } = deps;
  return new Hono<AppEnv>()
    .get("/models", requireRole("user"), queryParams(ModelsQuery), responds({ 200: ModelList }), async (c) => {
      const { limit, offset } = c.req.valid("query");
      const { items, total } = await listModelSummaries(db, { limit, offset, order: "model_key" });
      return c.json({ models: items, total, limit, offset });
    })
    .get("/models/:key", requireRole("user"), responds({ 200: ModelDetail }), async (c) => {
      return c.json(await modelDetail(db, c.req.param("key")));
    })
    .get("/models/:key/versions", requireRole("user"), responds({ 200: Versions }), async (c) => {
      return c.json(await modelVersions(db, c.req.param("key")));
    })
    .get("/models/:key/features", requireRole("user"), responds({ 200: Features }, { errors: [503] }), async (c) => {
      const key = c.req.param("key");
      const loaded = await deps.runtime.models.active(key);
      const { spec, target } = loaded.artifact;
      return c.json({
        model_key: key,
        version: loaded.version,
        updated_at: loaded.artifact.createdAt,
        input_width: spec.width,
        target,
        features: spec.features.map((f) => ({
          name: f.name,
          type: f.kind,
          count: f.count,
          missing: f.missing,
          ...(f.kind === "numeric" ? { mean: f.mean, std: f.std } : {}),
          ...(f.kind === "categorical" ? { categories: f.categories, size: f.categories.length + 1 } : {}),
          ...(f.kind === "text" ? { size: f.dims } : {}),
          ...(f.kind === "boolean" ? { true_rate: f.rate } : {}),
          ...(f.kind === "numeric" || f.kind === "boolean" ? { missing_flag: hasMissingFlag(f) } : {}),
        })),
      });
    })
    .post(
      "/models/:key/rollback/:version",
      requireRole("user"),
      responds(
        {
          200: v.object({
            model_key: v.string(),
            previous_version: v.nullable(v.string()),
            active_version: v.string(),
            status: v.literal("rolled_back"),
          }),
        },
        { errors: [409, 503] },
      ),
      async (c) => {
        const identity = signedIn(c);
        const result = await rollbackModel(
          { db, models: deps.runtime.models, bus: deps.bus, config: deps.config, now },
          identity,
          identity.username,
          c.req.param("key"),
          c.req.param("version"),
        );
        return c.json(result);
      },
    )
    .get(
      "/models/:key/rollbacks",
      requireRole("user"),
      responds({ 200: v.object({ model_key: v.string(), items: v.array(JsonObject) }) }),
      async (c) => {
        const key = c.req.param("key");
        await getModel(db, key);
        return c.json({ model_key: key, items: await listRollbacks(db, key) });
      },
    )
    .get("/models/:key/settings", requireRole("user"), responds({ 200: Settings }), async (c) => {
      const key = c.req.param("key");
      return c.json({ model_key: key, settings: await modelSettings(db, key) });
    })
    .put(
      "/models/:key/settings",
      requireRole("user"),
      jsonBody(ModelSettingsBody),
      responds({ 200: Settings }),
      async (c) => {
        const key = c.req.param("key");
        const saved = await saveModelSettings(db, signedIn(c), key, c.req.valid("json"), now().toISOString());
        return c.json({ model_key: key, settings: saved });
      },
    )
    .get("/metrics/summary", requireRole("user"), responds({ 200: JsonObject }), async (c) =>
      c.json(await metricsSummary(db)),
    )
    .get("/metrics/trends", requireRole("user"), queryParams(TrendsQuery), responds({ 200: page(Json) }), async (c) => {
      const { model_key: modelKey, limit, offset } = c.req.valid("query");
      return c.json(await metricsTrends(db, { modelKey, limit, offset }));
    });
}
