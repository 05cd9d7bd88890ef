/**
 * `POST /train` (seed contract): rows in `items` or a `dataset_id` → a queued train job and a
 * reserved version. Everything that can be checked before a job exists is checked here (422).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireRole, signedIn } from "../../auth/routes-policy";
import { getDataset, loadDatasetRows, saveJsonDataset } from "../../datasets/store";
import { invalid, ServiceError } from "../../errors";
import { enqueue, newJobId } from "../../jobs/queue";
import { architectureFor, type TrainParams } from "../../jobs/train";
import { inferKind, isMissing, type Row } from "../../ml/features";
import { reserveVersion } from "../../registry/registry";
import type { AppDeps, AppEnv } from "../env";
import { jsonBody } from "../validate";

const Cell = v.union([v.number(), v.string(), v.boolean(), v.null()]);
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

export const TrainBody = v.pipe(
  v.object({
    model_key: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1–64 of A-Z a-z 0-9 _ . -")),
    version: v.optional(v.pipe(v.string(), v.regex(/^\d{1,6}\.\d{1,6}\.\d{1,6}$/, "MAJOR.MINOR.PATCH"))),
    task_type: v.optional(v.picklist(["classification", "regression"])),
    target_field: v.pipe(v.string(), v.minLength(1)),
    feature_fields: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1))),
    items: v.optional(v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1), v.maxLength(1_000_000))),
    dataset_id: v.optional(v.string()),
    batch_size: v.optional(v.pipe(positiveInt, v.maxValue(65536))),
    use_gpu_if_available: v.optional(v.boolean(), true),
    early_stopping: v.optional(v.boolean()),
    validation_split: v.optional(v.pipe(v.number(), v.minValue(0.05), v.maxValue(0.5)), 0.2),
    hyperparameters: v.optional(
      v.object({
        hidden_layer_sizes: v.optional(
          v.pipe(v.array(v.pipe(positiveInt, v.maxValue(8192))), v.minLength(1), v.maxLength(8)),
        ),
        activation: v.optional(v.picklist(["relu", "tanh", "logistic", "identity"])),
        learning_rate_init: v.optional(v.pipe(v.number(), v.gtValue(0), v.maxValue(10))),
        alpha: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100))),
        max_iter: v.optional(v.pipe(positiveInt, v.maxValue(100_000))),
        random_state: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
      }),
      {},
    ),
  }),
  v.check((b) => (b.items === undefined) !== (b.dataset_id === undefined), "give exactly one of items or dataset_id"),
);

/** 422 unless the rows can train the model asked for; returns the task and feature fields. */
export function checkTrainingRows(
  rows: Row[],
  body: {
    target_field: string;
    feature_fields?: string[] | undefined;
    task_type?: string | undefined;
    validation_split: number;
  },
) {
  const columns = new Set(rows.flatMap((r) => Object.keys(r)));
  const target = body.target_field;
  if (!columns.has(target))
    throw invalid(`target_field ${target} is not a column of the data`, [
      { path: "target_field", message: "unknown column" },
    ]);
  const features = body.feature_fields ?? [...columns].filter((c) => c !== target);
  const unknown = features.filter((f) => !columns.has(f));
  if (unknown.length)
    throw invalid(
      `feature_fields not in the data: ${unknown.join(", ")}`,
      unknown.map((f) => ({ path: "feature_fields", message: `unknown column ${f}` })),
    );
  if (features.includes(target)) throw invalid("target_field cannot also be a feature");
  if (features.length === 0) throw invalid("no feature columns besides the target");
  const labelled = rows.filter((r) => !isMissing(r[target]));
  const targetKind = inferKind(labelled.map((r) => r[target]));
  const task =
    body.task_type ??
    (targetKind === "numeric" && new Set(labelled.map((r) => r[target])).size > 20 ? "regression" : "classification");
  const held = Math.round(labelled.length * body.validation_split);
  if (held < 1 || labelled.length - held < 2) {
    throw invalid(
      `${labelled.length} labelled rows are too few for validation_split ${body.validation_split}: need at least 1 held-out and 2 training rows`,
    );
  }
  if (task === "classification") {
    const classes = new Set(labelled.map((r) => String(r[target])));
    if (classes.size < 2)
      throw invalid(`the target ${target} has a single class (${[...classes][0]}); classification needs at least two`);
  } else if (targetKind !== "numeric") {
    throw invalid(`regression needs a numeric target; ${target} holds ${targetKind} values`);
  }
  for (const [i, r] of rows.entries()) {
    for (const [k, val] of Object.entries(r)) {
      if (typeof val === "number" && !Number.isFinite(val))
        throw invalid(`items.${i}.${k} is not a finite number`, [{ path: `items.${i}.${k}`, message: "not finite" }]);
    }
  }
  return { task: task as "classification" | "regression", features, labelled: labelled.length };
}

export function trainRoutes(deps: AppDeps & { runtime: NonNullable<AppDeps["runtime"]> }) {
  const now = () => (deps.now ?? (() => new Date()))();
  const datasetDeps = { db: deps.db, config: deps.config, now };
  return new Hono<AppEnv>().post("/train", requireRole("user"), jsonBody(TrainBody), async (c) => {
    const body = c.req.valid("json");
    const user = signedIn(c);
    let rows: Row[];
    if (body.items) rows = body.items;
    else {
      const ds = await getDataset(datasetDeps, body.dataset_id as string);
      rows = (await loadDatasetRows(datasetDeps, ds.id)).rows;
    }
    const { task, features, labelled } = checkTrainingRows(rows, body);
    const jobId = newJobId();
    const at = now().toISOString();
    const hyperparameters = { ...body.hyperparameters, ...(body.batch_size ? { batch_size: body.batch_size } : {}) };
    const version = await reserveVersion(deps.db, {
      modelKey: body.model_key,
      version: body.version,
      taskType: task,
      targetField: body.target_field,
      featureFields: features,
      hyperparameters,
      datasetId: body.dataset_id ?? null,
      jobId,
      createdBy: user.userId ?? null,
      now: at,
    });
    let datasetId = body.dataset_id;
    if (!datasetId) {
      const saved = await saveJsonDataset(datasetDeps, {
        name: `${body.model_key}-train`,
        rows,
        createdBy: user.userId ?? null,
      });
      datasetId = saved.id;
      await deps.db.updateTable("model_versions").set({ dataset_id: datasetId }).where("job_id", "=", jobId).execute();
    }
    const params: TrainParams = {
      model_key: body.model_key,
      version,
      task_type: task,
      target_field: body.target_field,
      feature_fields: features,
      dataset_id: datasetId,
      validation_split: body.validation_split,
      early_stopping: body.early_stopping ?? deps.config.ML_EARLY_STOPPING,
      use_gpu_if_available: body.use_gpu_if_available,
      hyperparameters,
    };
    const job = await enqueue(deps.db, {
      id: jobId,
      type: "train",
      modelKey: body.model_key,
      version,
      params,
      createdBy: user.userId ?? null,
      now: at,
    });
    deps.runtime.jobs.kick();
    const hidden = body.hyperparameters.hidden_layer_sizes ?? architectureFor(labelled);
    const epochs = body.hyperparameters.max_iter ?? deps.config.ML_MAX_ITER;
    // ≈ 6 FLOPs per weight per row per epoch at a conservative 5 GFLOP/s, plus start-up
    const weights = [features.length * 4, ...hidden, 10].reduce(
      (s, h, i, a) => (i ? s + (a[i - 1] as number) * h : s),
      0,
    );
    const estimated = 1 + (6 * labelled * weights * epochs) / 5e9;
    return c.json(
      {
        job_id: job.id,
        status: job.status,
        model_key: body.model_key,
        version,
        estimated_time: Math.round(estimated * 10) / 10,
      },
      202,
    );
  });
}

export { ServiceError };
