/** @jsxImportSource hono/jsx */
/**
 * `/ui/models`: the list (paged), one model's detail (with its owner and maintainers), rollback
 * with a confirmation page, and plain forms to add or remove maintainers. Permissions are the
 * domain operations' (rollbackModel, addMaintainer, removeMaintainer), as for the API.
 */
import { Hono } from "hono";
import { AliasesAndShadow } from "../../../views/pages/model-aliases";
import { ModelDetailPage, type ModelListItem, ModelsPage, RollbackConfirmPage } from "../../../views/pages/models";
import { invalid } from "../../errors";
import { retrainNow } from "../../jobs/retrain";
import { type BooleanFeature, hasMissingFlag, type NumericFeature } from "../../ml/features";
import { modelKind, recordedModelType } from "../../ml/kinds";
import { generateTraffic } from "../../monitoring/demo-traffic";
import { shadowComparison } from "../../monitoring/shadow-comparison";
import { rollbackModel } from "../../registry/activation";
import { listAliases } from "../../registry/aliases";
import { addMaintainer, modelPeople, removeMaintainer } from "../../registry/maintainers";
import { assertCanChangeModel, modelRelation } from "../../registry/ownership";
import { listModelSummaries, type ModelSummary } from "../../registry/queries";
import { getModel, getVersion, listVersions } from "../../registry/registry";
import { getShadow } from "../../registry/shadow";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { RUN_NOTICES } from "./model-runs";
import { formFields, offsetOf, render, seeOther, type UiDeps } from "./page";

const PAGE = 50;
/** How a numeric or boolean feature treats a missing value, as the model page says it. */
const missingNote = (f: NumericFeature | BooleanFeature) =>
  hasMissingFlag(f) ? " + missing flag" : ", missing imputed";
const parse = (s: string | null) => (s === null ? null : (JSON.parse(s) as Record<string, unknown>));

/** A model summary as the dashboard's lists show it: the serving version's accuracy or R². */
export function listItem(m: ModelSummary): ModelListItem {
  const score = m.metrics?.[m.task_type === "classification" ? "accuracy" : "r2"];
  return {
    model_key: m.model_key,
    task_type: m.task_type,
    target_field: m.target_field,
    active_version: m.active_version,
    updated_at: m.updated_at,
    score: typeof score === "number" ? score : null,
  };
}

export function modelPages(deps: UiDeps<"bus" | "config" | "now" | "runtime">) {
  const { db, runtime } = deps;
  return new Hono<AppEnv>()
    .get("/ui/models", requireRole("user"), async (c) => {
      const offset = offsetOf(c.req.query("offset"));
      const { items, total } = await listModelSummaries(db, { limit: PAGE, offset, order: "model_key" });
      return render(
        c,
        deps,
        "Models",
        <ModelsPage items={items.map(listItem)} total={total} offset={offset} limit={PAGE} />,
      );
    })
    .get("/ui/models/:key", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const model = await getModel(db, key);
      const versions = await listVersions(db, key);
      let loaded = null;
      if (model.active_version) loaded = await runtime.models.active(key).catch(() => null);
      const features = loaded?.artifact.spec.features.map((f) => ({
        name: f.name,
        kind: f.kind,
        detail:
          f.kind === "numeric"
            ? `standardised (mean ${f.mean.toPrecision(4)}, sd ${f.std.toPrecision(4)})${missingNote(f)}`
            : f.kind === "categorical"
              ? `one-hot over ${f.categories.length} values + unknown`
              : f.kind === "text"
                ? `hashed n-grams, ${f.dims} dimensions`
                : f.kind === "date"
                  ? `date: year, month, weekday, day of year${f.time ? ", hour" : ""} + missing flag`
                  : `boolean (true in ${(f.rate * 100).toFixed(0)}%)${missingNote(f)}`,
      }));
      const done = c.req.query("done");
      const notice =
        done === "rolled_back"
          ? `Version ${model.active_version} now serves.`
          : done === "maintainers"
            ? "Maintainers updated."
            : done === "generated"
              ? `Synthetic traffic fed in: ${Number(c.req.query("rows") ?? 0)} rows. Run a drift check on the Drift page.`
              : (RUN_NOTICES[done ?? ""] ?? null);
      const relation = await modelRelation(db, signedIn(c), key);
      const page = (
        <ModelDetailPage
          model={model}
          people={await modelPeople(db, key)}
          canChange={relation !== "none"}
          canManage={relation === "owner" || relation === "admin"}
          csrf={signedIn(c).csrfToken}
          versions={versions.map((v) => ({
            ...v,
            active: v.version === model.active_version,
            model_type: recordedModelType(parse(v.hyperparameters)),
            metrics: parse(v.metrics),
            tags: JSON.parse(v.tags) as string[],
          }))}
          features={features ?? null}
          lossCurve={loaded?.artifact.model.lossCurve ?? null}
          servingModel={loaded ? modelKind(loaded.artifact.modelType).describe(loaded.artifact.model) : null}
          aliases={
            <AliasesAndShadow
              modelKey={key}
              activeVersion={model.active_version}
              aliases={await listAliases(db, key)}
              readyVersions={versions.filter((v) => v.status === "ready").map((v) => v.version)}
              shadow={await getShadow(db, key)}
              comparison={await shadowComparison(db, key)}
              canChange={relation !== "none"}
              csrf={signedIn(c).csrfToken}
            />
          }
        />
      );
      return render(c, deps, `Model ${key}`, page, { notice });
    })
    .get("/ui/models/:key/rollback/:version", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const model = await getModel(db, key);
      await assertCanChangeModel(db, signedIn(c), key, "roll back");
      const version = await getVersion(db, key, c.req.param("version"));
      const page = (
        <RollbackConfirmPage
          csrf={signedIn(c).csrfToken}
          modelKey={key}
          from={model.active_version}
          to={version.version}
        />
      );
      return render(c, deps, `Roll back ${key}`, page);
    })
    .post("/ui/models/:key/rollback/:version", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const identity = signedIn(c);
      await rollbackModel(
        { db, models: runtime.models, bus: deps.bus, config: deps.config, now: deps.now },
        identity,
        identity.username,
        key,
        c.req.param("version"),
      );
      return seeOther(c, `/ui/models/${encodeURIComponent(key)}?done=rolled_back`);
    })
    .post("/ui/models/:key/retrain", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const job = await retrainNow({ db, now: deps.now }, signedIn(c), key, c.get("traceId"));
      runtime.jobs.kick();
      return seeOther(c, `/ui/jobs/${encodeURIComponent(job.id)}`);
    })
    .post("/ui/models/:key/generate", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const f = await formFields(c);
      const num = (name: string, fallback: number, lo: number, hi: number) => {
        const raw = (f[name] ?? "").trim();
        const n = raw === "" ? fallback : Number(raw);
        if (!Number.isFinite(n) || n < lo || n > hi) throw invalid(`${name}: a number from ${lo} to ${hi}`);
        return n;
      };
      const drift = {
        shift: num("shift", 0, -100, 100),
        scale: num("scale", 1, 0, 100),
        newCategory: num("new_category", 0, 0, 1),
        features: [],
      };
      const rows = Math.round(num("rows", 500, 1, 10_000));
      const ingest = {
        db,
        models: runtime.models,
        predictionLog: runtime.predictionLog,
        backend: runtime.servingBackend,
        now: deps.now,
      };
      const req = { modelKey: key, rows, drift, labels: f.labels === "on", seed: Date.now() % 100_000 };
      const done = await generateTraffic(ingest, signedIn(c), req);
      return seeOther(c, `/ui/models/${encodeURIComponent(key)}?done=generated&rows=${done.accepted}`);
    })
    .post("/ui/models/:key/maintainers", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      const f = await formFields(c);
      await addMaintainer(db, signedIn(c), key, (f.username ?? "").trim(), deps.now().toISOString());
      return seeOther(c, `/ui/models/${encodeURIComponent(key)}?done=maintainers`);
    })
    .post("/ui/models/:key/maintainers/:username/remove", requireRole("user"), async (c) => {
      const key = c.req.param("key");
      await removeMaintainer(db, signedIn(c), key, c.req.param("username"));
      return seeOther(c, `/ui/models/${encodeURIComponent(key)}?done=maintainers`);
    });
}
