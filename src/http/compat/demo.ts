/**
 * Seed 004's synthetic data generator: `POST /demo/generate` (src/monitoring/demo-traffic.ts)
 * feeds rows drawn for a model's schema, optionally drifted and labelled, in as ingested
 * predictions, so the drift page and alerts have traffic to judge. `POST /demo/reset` (admins, demo
 * mode only) brings the demo models back (src/monitoring/demo/mode.ts).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { demoDeps, resetDemo } from "../../monitoring/demo/mode";
import { generateTraffic } from "../../monitoring/demo-traffic";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
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
  labels: v.optional(v.boolean(), false),
  seed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1),
});

const GenerateAnswer = v.object({
  model_key: v.string(),
  version: v.string(),
  generated: v.number(),
  drift: v.object({ shift: v.number(), scale: v.number(), newCategory: v.number(), features: v.array(v.string()) }),
  accepted: v.number(),
  labelled: v.number(),
  rejected: v.number(),
  errors: v.array(v.object({ index: v.number(), message: v.string() })),
});

const ResetAnswer = v.object({
  reset: v.literal(true),
  jobs: v.array(v.object({ model_key: v.string(), job_id: v.string(), version: v.string() })),
  cleared: v.object({ predictions: v.number(), feedback: v.number(), alerts: v.number() }),
});

export function demoRoutes(deps: Pick<AppDeps, "db" | "now" | "runtime" | "config" | "bus" | "log">) {
  const ingest = {
    db: deps.db,
    models: deps.runtime.models,
    predictionLog: deps.runtime.predictionLog,
    backend: deps.runtime.servingBackend,
    now: deps.now,
  };
  return new Hono<AppEnv>()
    .post(
      "/demo/reset",
      requireRole("admin"),
      responds(
        { 202: ResetAnswer },
        {
          summary: "demo mode: the demo models' traffic and alerts cleared, retrained",
          errors: { 404: "demo mode is off" },
        },
      ),
      async (c) => {
        const { view, traffic } = await resetDemo(demoDeps(deps), signedIn(c));
        traffic.catch((e) => deps.log.error("demo reset: traffic not fed", { error: (e as Error).message }));
        return c.json(view, 202);
      },
    )
    .post(
      "/demo/generate",
      requireRole("user"),
      jsonBody(GenerateBody),
      responds({ 200: GenerateAnswer }),
      async (c) => {
        const b = c.req.valid("json");
        const drift = {
          shift: b.drift?.shift ?? 0,
          scale: b.drift?.scale ?? 1,
          newCategory: b.drift?.new_category ?? 0,
          features: b.drift?.features ?? [],
        };
        const req = { modelKey: b.model_key, rows: b.rows, drift, labels: b.labels, seed: b.seed };
        return c.json(await generateTraffic(ingest, signedIn(c), req));
      },
    );
}
