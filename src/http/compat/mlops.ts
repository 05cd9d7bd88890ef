/**
 * Seed 002 (the MLOps platform): its `/api/...` paths for what this service has, each a few lines
 * over the domain operations. `POST /api/jobs` with `job_type: "TRAIN"` trains on an uploaded
 * dataset (`parameters.dataset_id`; `target_field` defaults to the dataset's last column and
 * `model_key` to the dataset id); jobs read back with the seed's upper-case statuses, and a status
 * filter takes either case. A seed value the service cannot honour (`PROCESS`/`ANALYZE` jobs, a
 * `random_forest` model) is a 422 naming the field. Training runs are the train jobs; artifacts
 * and metric trends are the trained versions (`id` = `model_key@version`), their `model_url` the
 * version's artifact download; deleting one archives it as retention does (refused while it serves
 * or an alias names it). Files are the uploaded datasets: their metadata, bytes and a download URL
 * (a plain path on this service that needs the caller's credentials and does not expire).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { cleanupExpiredDatasets, datasetFile, datasetForUser, listDatasets } from "../../datasets/store";
import type { JobStatus } from "../../db/tables/models";
import { notFound } from "../../errors";
import { jobView } from "../../jobs/queue";
import { startTraining } from "../../jobs/start-training";
import { jobForUser, listJobsForUser } from "../../jobs/visibility";
import { MODEL_TYPES } from "../../ml/kinds";
import { deleteVersion } from "../../registry/delete-version";
import { metricsSummary, metricsTrends } from "../../registry/metric-views";
import { countModels } from "../../registry/queries";
import { getVersion } from "../../registry/registry";
import { VERSION } from "../../version";
import { DATASET_FILE, datasetDownload } from "../api/dataset-download";
import type { AppDeps, AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { publicRoute, requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, queryParams } from "../validate";

/** Seed 002's CSV upload path: the native upload (src/http/api/datasets.ts) under it, with its size limit. */
export const SEED_UPLOAD_PATH = "/api/ml/v1/datasets/upload";

const SEED_STATUS: Record<JobStatus, string> = {
  queued: "PENDING",
  running: "RUNNING",
  completed: "COMPLETED",
  failed: "FAILED",
  cancelled: "CANCELLED",
};
const OUR_STATUS = Object.fromEntries(Object.entries(SEED_STATUS).map(([ours, seed]) => [seed, ours])) as Record<
  string,
  JobStatus
>;

const Status = v.pipe(
  v.string(),
  v.transform((s) => s.toUpperCase()),
  v.picklist(Object.values(SEED_STATUS), `one of ${Object.values(SEED_STATUS).join(", ")} (either case)`),
  v.transform((s) => OUR_STATUS[s] as JobStatus),
);
const Limit = v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), "100");

const JobBody = strictBody({
  job_type: v.pipe(
    v.string(),
    v.transform((s) => s.toUpperCase()),
    v.literal("TRAIN", "only TRAIN jobs are served here (PROCESS and ANALYZE are not)"),
  ),
  parameters: strictBody({
    dataset_id: v.pipe(v.string(), v.minLength(1)),
    model_type: v.optional(v.picklist(MODEL_TYPES, `one of ${MODEL_TYPES.join(", ")} (random_forest is not served)`)),
    target_field: v.optional(v.pipe(v.string(), v.minLength(1))),
    model_key: v.optional(
      v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1–64 of A-Z a-z 0-9 _ . -")),
    ),
  }),
});

const SeedJob = v.object({
  job_id: v.string(),
  job_type: v.string(),
  status: v.string(),
  created_at: v.string(),
  completed_at: v.nullable(v.string()),
  result: v.nullable(v.object({ artifact_id: v.nullable(v.string()), metrics: v.unknown() })),
  error: v.nullable(v.string()),
});

/** A job as seed 002 shows it; `artifact_id` names the trained version as `model_key@version`. */
function seedJob(j: Parameters<typeof jobView>[0]) {
  const view = jobView(j);
  const done = j.status === "completed";
  return {
    job_id: j.id,
    job_type: j.type.toUpperCase(),
    status: SEED_STATUS[j.status as JobStatus] ?? j.status.toUpperCase(),
    created_at: j.created_at,
    completed_at: j.finished_at,
    result: done
      ? { artifact_id: j.model_key && j.version ? `${j.model_key}@${j.version}` : null, metrics: view.result }
      : null,
    error: j.error,
  };
}

/** `model_key@version` → its parts; 404 for any other id (no artifact has it). */
function artifactId(id: string): { key: string; version: string } {
  const at = id.lastIndexOf("@");
  if (at <= 0 || at === id.length - 1) throw notFound(`artifact ${id} (ids are model_key@version)`);
  return { key: id.slice(0, at), version: id.slice(at + 1) };
}

const artifactUrl = (key: string, version: string) =>
  `/models/${encodeURIComponent(key)}/versions/${encodeURIComponent(version)}/artifact`;

const SeedFile = v.object({ id: v.string(), filename: v.string(), size: v.number(), created_at: v.string() });

/** Trained versions, oldest first, as seed 002's trend points (the registry's metric trends). */
async function trends(deps: Pick<AppDeps, "db">, limit: number, withArchived = true) {
  const page = await metricsTrends(deps.db, { limit, offset: 0, withArchived });
  return page.items.map((t) => {
    const { model_key, version, completed_at, ...metrics } = t;
    return {
      id: `${model_key}@${version}`,
      model_key,
      version,
      created_at: completed_at,
      model_url: artifactUrl(model_key, version),
      metrics,
    };
  });
}

const Trend = v.object({
  id: v.string(),
  model_key: v.string(),
  version: v.string(),
  created_at: v.nullable(v.string()),
  model_url: v.string(),
  metrics: v.record(v.string(), v.nullable(v.number())),
});

export function mlopsRoutes(deps: Pick<AppDeps, "db" | "config" | "now" | "runtime">) {
  return new Hono<AppEnv>()
    .get(
      "/api/health",
      publicRoute(),
      responds({ 200: v.object({ status: v.string(), database: v.string(), version: v.string() }) }),
      async (c) => {
        await countModels(deps.db);
        return c.json({ status: "healthy", database: "connected", version: VERSION });
      },
    )
    .post(
      "/api/jobs",
      requireRole("user"),
      jsonBody(JobBody),
      responds(
        { 201: v.object({ job_id: v.string(), status: v.string(), created_at: v.string() }) },
        { errors: [409] },
      ),
      async (c) => {
        const p = c.req.valid("json").parameters;
        const actor = signedIn(c);
        const dataset = await datasetForUser(deps, actor, p.dataset_id);
        const started = await startTraining(deps, {
          model_key: p.model_key ?? dataset.id,
          target_field: p.target_field ?? (dataset.columns.at(-1) as string),
          model_type: p.model_type,
          validation_split: 0.2,
          use_gpu_if_available: true,
          hyperparameters: {},
          data: { dataset },
          createdBy: actor.userId,
          actor,
          traceId: c.get("traceId"),
        });
        const job = await jobForUser(deps.db, actor, started.jobId);
        // the job as created: a runner may already have claimed it (at once on a networked database)
        return c.json({ job_id: job.id, status: SEED_STATUS.queued, created_at: job.created_at }, 201);
      },
    )
    .get("/api/jobs/:job_id", requireRole("user"), responds({ 200: SeedJob }), async (c) =>
      c.json(seedJob(await jobForUser(deps.db, signedIn(c), c.req.param("job_id")))),
    )
    .get(
      "/api/jobs",
      requireRole("user"),
      queryParams(v.object({ limit: Limit, status: v.optional(Status) })),
      responds({ 200: v.array(SeedJob) }),
      async (c) => {
        const q = c.req.valid("query");
        const page = await listJobsForUser(deps.db, signedIn(c), { status: q.status, limit: q.limit, offset: 0 });
        return c.json(page.items.map(seedJob));
      },
    )
    .get(
      "/api/ml/v1/training-runs",
      requireRole("user"),
      queryParams(v.object({ limit: Limit })),
      responds({
        200: v.array(
          v.object({
            id: v.string(),
            created_at: v.string(),
            dataset_id: v.nullable(v.string()),
            status: v.string(),
            model_key: v.nullable(v.string()),
            version: v.nullable(v.string()),
            metrics: v.unknown(),
          }),
        ),
      }),
      async (c) => {
        const { limit } = c.req.valid("query");
        const page = await listJobsForUser(deps.db, signedIn(c), { type: "train", limit, offset: 0 });
        return c.json(
          page.items.map((j) => {
            const params = JSON.parse(j.params) as { dataset_id?: string };
            return {
              id: j.id,
              created_at: j.created_at,
              dataset_id: params.dataset_id ?? null,
              status: SEED_STATUS[j.status as JobStatus] ?? j.status.toUpperCase(),
              model_key: j.model_key,
              version: j.version,
              metrics: jobView(j).result,
            };
          }),
        );
      },
    )
    .get(
      "/api/ml/v1/datasets",
      requireRole("user"),
      queryParams(v.object({ limit: Limit })),
      responds({
        200: v.array(
          v.object({
            id: v.string(),
            name: v.string(),
            file_url: v.string(),
            version: v.number(),
            created_at: v.string(),
          }),
        ),
      }),
      async (c) => {
        const page = await listDatasets(deps, signedIn(c), { limit: c.req.valid("query").limit });
        return c.json(
          page.items.map((d) => ({
            id: d.id,
            name: d.original_filename ?? d.name,
            file_url: `/datasets/${d.id}`,
            version: d.version,
            created_at: d.created_at,
          })),
        );
      },
    )
    .delete(
      "/api/ml/v1/datasets/expired",
      requireRole("admin"),
      // the sweep removes every expired dataset at once: a `limit` cannot be honoured (422 naming it)
      queryParams(v.strictObject({})),
      responds({ 200: v.object({ deleted_count: v.number(), deleted: v.array(v.string()) }) }),
      async (c) => {
        const { datasets } = await cleanupExpiredDatasets(deps);
        return c.json({ deleted_count: datasets.length, deleted: datasets.map((d) => d.id) });
      },
    )
    .get(
      "/api/ml/v1/artifacts",
      requireRole("user"),
      queryParams(v.object({ limit: Limit })),
      responds({ 200: v.array(Trend) }),
      // an artifact deleted (archived) is gone from the list; the metric trends keep its history
      async (c) => c.json(await trends(deps, c.req.valid("query").limit, false)),
    )
    .delete(
      "/api/ml/v1/artifacts/:artifact_id",
      requireRole("user"),
      responds(
        { 200: v.object({ id: v.string(), deleted: v.literal(true) }) },
        { errors: { 409: "the version serves, trains, or an alias names it" } },
      ),
      async (c) => {
        const { key, version } = artifactId(c.req.param("artifact_id"));
        const gone = await deleteVersion(deps, signedIn(c), key, version);
        noteAudit(c, { type: "model:version_deleted", subject: gone.model_key, output: { version: gone.version } });
        return c.json({ id: `${gone.model_key}@${gone.version}`, deleted: true as const });
      },
    )
    .get(
      "/api/ml/v1/files/:file_id/download-url",
      requireRole("user"),
      // the URL needs the caller's credentials and never expires on its own, so any expiry asked for is met
      queryParams(v.object({ expiry_sec: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1))) })),
      responds({ 200: v.object({ url: v.string(), expires_in: v.null(), requires_credentials: v.literal(true) }) }),
      async (c) => {
        const id = c.req.param("file_id");
        let url: string;
        if (id.includes("@")) {
          const { key, version } = artifactId(id);
          const row = await getVersion(deps.db, key, version);
          if (row.status !== "ready") throw notFound(`artifact ${id}`);
          url = artifactUrl(row.model_key, row.version);
        } else {
          url = `/datasets/${encodeURIComponent((await datasetForUser(deps, signedIn(c), id)).id)}/file`;
        }
        return c.json({ url, expires_in: null, requires_credentials: true as const });
      },
    )
    .get("/api/files/:file_id", requireRole("user"), responds({ 200: SeedFile }), async (c) => {
      const d = await datasetForUser(deps, signedIn(c), c.req.param("file_id"));
      return c.json({
        id: d.id,
        filename: d.original_filename ?? `${d.name}.${d.format}`,
        size: d.size_bytes,
        created_at: d.created_at,
      });
    })
    .get("/api/files/:file_id/download", requireRole("user"), responds({ 200: DATASET_FILE }), async (c) => {
      const { dataset, bytes } = await datasetFile(deps, signedIn(c), c.req.param("file_id"));
      return datasetDownload(dataset, bytes);
    })
    .get(
      "/api/ml/v1/metrics/trends",
      requireRole("user"),
      queryParams(v.object({ limit: Limit })),
      responds({ 200: v.array(v.object({ ...Trend.entries, run_id: v.string() })) }),
      async (c) => c.json((await trends(deps, c.req.valid("query").limit)).map((t) => ({ run_id: t.id, ...t }))),
    )
    .get(
      "/api/ml/v1/metrics/summary",
      requireRole("user"),
      queryParams(v.object({ limit: Limit })),
      responds({
        200: v.object({
          aggregates: v.record(v.string(), v.nullable(v.number())),
          trends: v.array(Trend),
        }),
      }),
      async (c) => {
        const { by_task } = await metricsSummary(deps.db);
        const cls = by_task.classification;
        const reg = by_task.regression;
        return c.json({
          aggregates: {
            count: (cls?.ready ?? 0) + (reg?.ready ?? 0),
            classification_count: cls?.ready ?? 0,
            regression_count: reg?.ready ?? 0,
            avg_accuracy: cls?.mean_score ?? null,
            best_accuracy: cls?.best?.score ?? null,
            avg_r2: reg?.mean_score ?? null,
            best_r2: reg?.best?.score ?? null,
          },
          trends: await trends(deps, c.req.valid("query").limit),
        });
      },
    );
}
