/**
 * Seed 004's synthetic data generator: `POST /demo/generate` draws rows for a model's schema
 * (src/monitoring/synthetic.ts), optionally drifted and labelled, and feeds them in as ingested
 * predictions, so the drift page and alerts have traffic to judge. Only whoever may change the
 * model (owner, maintainer, admin) fills its log with made-up rows.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { invalid } from "../../errors";
import { ingestRows, ingestTarget } from "../../monitoring/ingestion";
import { syntheticRows } from "../../monitoring/synthetic";
import { assertCanChangeModel } from "../../registry/ownership";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { strictBody } from "../strict-body";
import { jsonBody } from "../validate";

const GenerateBody = strictBody({
  model_key: v.pipe(v.string(), v.minLength(1)),
  rows: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 500),
  drift: v.optional(
    strictBody({
      shift: v.optional(v.pipe(v.number(), v.minValue(-100), v.maxValue(100)), 0),
      scale: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100)), 1),
      new_category: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0),
      features: v.optional(v.array(v.string()), []),
    }),
  ),
  /** label each row (classification: the model's classes in turn), kept as feedback */
  labels: v.optional(v.boolean(), false),
  seed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1),
});

export function demoRoutes(deps: Pick<AppDeps, "db" | "now" | "runtime">) {
  const ingest = {
    db: deps.db,
    models: deps.runtime.models,
    predictionLog: deps.runtime.predictionLog,
    backend: deps.runtime.servingBackend,
    now: deps.now,
  };
  return new Hono<AppEnv>().post("/demo/generate", requireRole("user"), jsonBody(GenerateBody), async (c) => {
    const b = c.req.valid("json");
    await assertCanChangeModel(deps.db, signedIn(c), b.model_key, "generate traffic for");
    const loaded = await ingestTarget(ingest, b.model_key);
    const { spec, target, model } = loaded.artifact;
    const unknown = (b.drift?.features ?? []).filter((f) => !spec.features.some((s) => s.name === f));
    if (unknown.length) {
      throw invalid(
        `drift.features: ${unknown.join(", ")} not features of ${b.model_key}`,
        unknown.map((f) => ({ path: "drift.features", message: `${f} is not a feature` })),
      );
    }
    const drift = {
      shift: b.drift?.shift ?? 0,
      scale: b.drift?.scale ?? 1,
      newCategory: b.drift?.new_category ?? 0,
      features: b.drift?.features ?? [],
    };
    const rows = syntheticRows(spec, b.rows, drift, b.seed);
    if (b.labels && model.classes?.length) {
      // labels the model can have, in turn: feedback for retraining to learn from
      rows.forEach((r, i) => {
        r[target.field] = model.classes?.[(i * 7 + b.seed) % (model.classes?.length ?? 1)] as string | number;
      });
    }
    const counts = await ingestRows(ingest, signedIn(c), loaded, rows);
    return c.json({ model_key: b.model_key, version: loaded.version, generated: rows.length, drift, ...counts });
  });
}
