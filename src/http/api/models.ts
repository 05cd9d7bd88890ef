/**
 * Models and versions: `GET /models` (paged), `GET /models/{key}` (with owner and maintainers),
 * `GET /models/{key}/versions`, `GET /models/{key}/features`, `POST /models/{key}/rollback/{version}`
 * (recorded in `rollbacks`), `GET /models/{key}/rollbacks`, `GET|PUT /models/{key}/settings`
 * (monitoring), and the metric views `GET /metrics/trends` (paged), `GET /metrics/summary`.
 * Who may change a model is decided by the domain operations (src/registry/ownership.ts).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireRole, signedIn } from "../../auth/routes-policy";
import { recordedModelType } from "../../ml/kinds";
import { listRollbacks } from "../../monitoring/reports";
import { ModelSettingsBody, modelSettings, saveModelSettings } from "../../monitoring/settings";
import { modelPeople } from "../../registry/maintainers";
import { getModel, listVersions, type VersionRow } from "../../registry/registry";
import { rollbackModel } from "../../registry/rollback";
import type { Runtime } from "../../runtime";
import type { AppDeps, AppEnv } from "../env";
import { jsonBody, queryParams } from "../validate";

/** `?limit=&offset=` of the list routes: 1–500 (default 100, as seed 002's lists), offset ≥ 0. */
const Paging = {
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500)), "100"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
};
const ModelsQuery = v.object(Paging);
const TrendsQuery = v.object({ model_key: v.optional(v.string()), ...Paging });

const parse = (s: string | null) => (s === null ? null : JSON.parse(s));

export function versionView(v: VersionRow, active: string | null) {
  return {
    version: v.version,
    status: v.status,
    active: v.version === active,
    model_type: recordedModelType(parse(v.hyperparameters)),
    metrics: parse(v.metrics),
    hyperparameters: parse(v.hyperparameters),
    feature_fields: parse(v.feature_fields),
    backend: v.backend,
    train_rows: v.train_rows,
    training_time_s: v.training_time_s,
    dataset_id: v.dataset_id,
    job_id: v.job_id,
    error: v.error,
    created_at: v.created_at,
    completed_at: v.completed_at,
  };
}

export function modelsRoutes(deps: AppDeps & { runtime: Runtime }) {
  const now = () => (deps.now ?? (() => new Date()))();
  const summary = async (key: string) => {
    const model = await getModel(deps.db, key);
    const versions = await listVersions(deps.db, key);
    const active = versions.find((v) => v.version === model.active_version);
    return {
      model_key: model.model_key,
      task_type: model.task_type,
      target_field: model.target_field,
      active_version: model.active_version,
      model_type: active ? recordedModelType(parse(active.hyperparameters)) : null,
      status: active ? "ready" : versions.some((v) => v.status === "training") ? "training" : "no_ready_version",
      metrics: active ? parse(active.metrics) : null,
      versions: versions.length,
      created_at: model.created_at,
      updated_at: model.updated_at,
    };
  };
  return new Hono<AppEnv>()
    .get("/models", requireRole("user"), queryParams(ModelsQuery), async (c) => {
      const { limit, offset } = c.req.valid("query");
      const [keys, total] = await Promise.all([
        deps.db.selectFrom("models").select("model_key").orderBy("model_key").limit(limit).offset(offset).execute(),
        deps.db
          .selectFrom("models")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow(),
      ]);
      const items = await Promise.all(keys.map((k) => summary(k.model_key)));
      return c.json({ items, total: Number(total.n), limit, offset });
    })
    .get("/models/:key", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const model = await getModel(deps.db, key);
      const versions = await listVersions(deps.db, key);
      return c.json({
        ...(await summary(key)),
        ...(await modelPeople(deps.db, key)),
        version_list: versions.map((v) => versionView(v, model.active_version)),
      });
    })
    .get("/models/:key/versions", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const model = await getModel(deps.db, key);
      const versions = await listVersions(deps.db, key);
      return c.json({
        model_key: key,
        active_version: model.active_version,
        items: versions.map((v) => versionView(v, model.active_version)),
      });
    })
    .get("/models/:key/features", requireRole("user"), async (c) => {
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
        })),
      });
    })
    .post("/models/:key/rollback/:version", requireRole("user"), async (c) => {
      const identity = signedIn(c);
      const result = await rollbackModel(
        { db: deps.db, models: deps.runtime.models, bus: deps.bus, now },
        identity,
        identity.username,
        c.req.param("key"),
        c.req.param("version"),
      );
      return c.json(result);
    })
    .get("/models/:key/rollbacks", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      await getModel(deps.db, key);
      return c.json({ model_key: key, items: await listRollbacks(deps.db, key) });
    })
    .get("/models/:key/settings", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      return c.json({ model_key: key, settings: await modelSettings(deps.db, key) });
    })
    .put("/models/:key/settings", requireRole("user"), jsonBody(ModelSettingsBody), async (c) => {
      const key = c.req.param("key");
      const saved = await saveModelSettings(deps.db, signedIn(c), key, c.req.valid("json"), now().toISOString());
      return c.json({ model_key: key, settings: saved });
    })
    .get("/metrics/summary", requireRole("user"), async (c) => {
      const rows = await deps.db
        .selectFrom("model_versions")
        .innerJoin("models", "models.model_key", "model_versions.model_key")
        .select([
          "models.task_type",
          "model_versions.model_key",
          "model_versions.version",
          "model_versions.metrics",
          "model_versions.training_time_s",
          "model_versions.status",
        ])
        .execute();
      const byTask: Record<
        string,
        {
          versions: number;
          ready: number;
          failed: number;
          mean_score: number | null;
          best: { model_key: string; version: string; score: number } | null;
          mean_training_time_s: number | null;
        }
      > = {};
      for (const task of ["classification", "regression"]) {
        const of = rows.filter((r) => r.task_type === task);
        const ready = of.filter((r) => r.status === "ready" || r.status === "archived");
        const scored = ready
          .map((r) => ({
            r,
            score: (parse(r.metrics)?.[task === "classification" ? "accuracy" : "r2"] ?? null) as number | null,
          }))
          .filter((x) => x.score !== null) as { r: (typeof rows)[number]; score: number }[];
        const best = scored.sort((a, b) => b.score - a.score)[0];
        const times = ready.map((r) => r.training_time_s ?? 0);
        byTask[task] = {
          versions: of.length,
          ready: ready.length,
          failed: of.filter((r) => r.status === "failed").length,
          mean_score: scored.length ? scored.reduce((s, x) => s + x.score, 0) / scored.length : null,
          best: best ? { model_key: best.r.model_key, version: best.r.version, score: best.score } : null,
          mean_training_time_s: times.length ? times.reduce((s, t) => s + t, 0) / times.length : null,
        };
      }
      const predictions = await deps.db
        .selectFrom("predictions")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const models = await deps.db
        .selectFrom("models")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return c.json({ models: Number(models.n), predictions_logged: Number(predictions.n), by_task: byTask });
    })
    .get("/metrics/trends", requireRole("user"), queryParams(TrendsQuery), async (c) => {
      const { model_key: key, limit, offset } = c.req.valid("query");
      let q = deps.db.selectFrom("model_versions").where("status", "in", ["ready", "archived"]);
      if (key) q = q.where("model_key", "=", key);
      const [rows, total] = await Promise.all([
        q.selectAll().orderBy("completed_at").orderBy("id").limit(limit).offset(offset).execute(),
        q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
      ]);
      return c.json({
        total: Number(total.n),
        limit,
        offset,
        items: rows.map((r) => {
          const m = parse(r.metrics) ?? {};
          return {
            model_key: r.model_key,
            version: r.version,
            completed_at: r.completed_at,
            accuracy: m.accuracy ?? null,
            f1_macro: m.f1_macro ?? null,
            r2: m.r2 ?? null,
            rmse: m.rmse ?? null,
            training_time_s: r.training_time_s,
          };
        }),
      });
    });
}
