/**
 * Seed 004 (the hackathon design): `GET /model/status` (its ModelMetadata: model_id, version,
 * created_at, accuracy, training_data_size, feature_names, model_type) and `POST /model/retrain`,
 * over the registry and retraining operations. The design serves one model; here `model_key`
 * (query or body) names which, and a request without it is a 422 naming it.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { retrainNow } from "../../jobs/retrain";
import { modelDetail } from "../../registry/queries";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, queryParams } from "../validate";

const ModelKey = v.pipe(v.string("model_key names the model (this service serves many)"), v.minLength(1));

/** Seed 004's ModelMetadata, with the model's status and task beside. */
const ModelStatus = v.object({
  model_id: v.string(),
  version: v.nullable(v.string()),
  created_at: v.nullable(v.string()),
  accuracy: v.nullable(v.number()),
  training_data_size: v.nullable(v.number()),
  feature_names: v.array(v.string()),
  model_type: v.nullable(v.string()),
  status: v.picklist(["active", "training", "no_ready_version"]),
  task_type: v.picklist(["classification", "regression"]),
});
const RetrainQueued = v.object({
  job_id: v.string(),
  status: v.picklist(["queued", "running", "completed", "failed", "cancelled"]),
  model_key: v.string(),
  version: v.nullable(v.string()),
});

export function hackathonRoutes(deps: Pick<AppDeps, "db" | "now" | "runtime">) {
  return new Hono<AppEnv>()
    .get(
      "/model/status",
      requireRole("user"),
      queryParams(v.object({ model_key: ModelKey })),
      responds({ 200: ModelStatus }),
      async (c) => {
        const m = await modelDetail(deps.db, c.req.valid("query").model_key);
        const active = m.version_list.find((x) => x.active);
        return c.json({
          model_id: m.model_key,
          version: m.active_version,
          created_at: active?.completed_at ?? active?.created_at ?? null,
          accuracy: m.accuracy,
          training_data_size: active?.train_rows ?? null,
          feature_names: (active?.feature_fields as string[] | null) ?? [],
          model_type: active?.model_type ?? null,
          status: m.status,
          task_type: m.task_type,
        });
      },
    )
    .post(
      "/model/retrain",
      requireRole("user"),
      jsonBody(strictBody({ model_key: ModelKey })),
      responds({ 202: RetrainQueued }, { errors: { 409: "a retrain of the model is already queued or running" } }),
      async (c) => {
        const key = c.req.valid("json").model_key;
        const job = await retrainNow({ db: deps.db, now: deps.now }, signedIn(c), key, c.get("traceId"));
        deps.runtime.jobs.kick();
        return c.json({ job_id: job.id, status: job.status, model_key: key, version: job.version }, 202);
      },
    );
}
