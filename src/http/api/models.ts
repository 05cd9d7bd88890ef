/**
 * Models and versions: `GET /models`, `GET /models/{key}`, `GET /models/{key}/versions`,
 * `GET /models/{key}/features`, `POST /models/{key}/rollback/{version}` (recorded in `rollbacks`),
 * `GET /models/{key}/rollbacks`, `GET|PUT /models/{key}/settings` (monitoring), and the metric views
 * `GET /metrics/trends`, `GET /metrics/summary`.
 */
import { Hono } from "hono";
import { requireRole, signedIn } from "../../auth/routes-policy";
import { listRollbacks, recordRollback } from "../../monitoring/reports";
import { ModelSettingsBody, modelSettings, saveModelSettings } from "../../monitoring/settings";
import { getModel, getVersion, listVersions, setActiveVersion, type VersionRow } from "../../registry/registry";
import type { Runtime } from "../../runtime";
import type { AppDeps, AppEnv } from "../env";
import { jsonBody } from "../validate";

declare module "../../events/bus" {
  interface BusEvents {
    "models:rolled_back": { model_key: string; from: string | null; to: string; by: string };
  }
}

const parse = (s: string | null) => (s === null ? null : JSON.parse(s));

export function versionView(v: VersionRow, active: string | null) {
  return {
    version: v.version,
    status: v.status,
    active: v.version === active,
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
      status: active ? "ready" : versions.some((v) => v.status === "training") ? "training" : "no_ready_version",
      metrics: active ? parse(active.metrics) : null,
      versions: versions.length,
      created_at: model.created_at,
      updated_at: model.updated_at,
    };
  };
  return new Hono<AppEnv>()
    .get("/models", requireRole("user"), async (c) => {
      const keys = await deps.db.selectFrom("models").select("model_key").orderBy("model_key").execute();
      const items = await Promise.all(keys.map((k) => summary(k.model_key)));
      return c.json({ items, total: items.length });
    })
    .get("/models/:key", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const model = await getModel(deps.db, key);
      const versions = await listVersions(deps.db, key);
      return c.json({
        ...(await summary(key)),
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
      const key = c.req.param("key");
      const version = c.req.param("version");
      const model = await getModel(deps.db, key);
      await getVersion(deps.db, key, version);
      // load and verify first: a broken artifact fails here and the serving version stays
      const loaded = await deps.runtime.models.load(key, version);
      const at = now().toISOString();
      await setActiveVersion(deps.db, key, version, at);
      deps.runtime.models.swap(loaded);
      const by = signedIn(c).username;
      await recordRollback(deps.db, { modelKey: key, from: model.active_version, to: version, by, at });
      deps.bus?.publish("models:rolled_back", { model_key: key, from: model.active_version, to: version, by });
      return c.json({
        model_key: key,
        previous_version: model.active_version,
        active_version: version,
        status: "rolled_back",
      });
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
      const saved = await saveModelSettings(deps.db, key, c.req.valid("json"), now().toISOString());
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
    .get("/metrics/trends", requireRole("user"), async (c) => {
      const key = c.req.query("model_key");
      let q = deps.db.selectFrom("model_versions").selectAll().where("status", "in", ["ready", "archived"]);
      if (key) q = q.where("model_key", "=", key);
      const rows = await q.orderBy("completed_at").execute();
      return c.json({
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
