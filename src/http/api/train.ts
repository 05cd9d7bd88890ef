/**
 * `POST /train` (seed contract): rows in `items` or a `dataset_id` → a queued train job and a
 * reserved version (src/jobs/start-training.ts checks the rows first: 422 before any job exists).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { namedRow } from "../../datasets/column-names";
import { datasetForUser } from "../../datasets/store";
import { startTraining } from "../../jobs/start-training";
import { FEATURE_KINDS } from "../../ml/features";
import { DEFAULT_MODEL_TYPE, MODEL_TYPES } from "../../ml/kinds";
import { CANONICAL_VERSION_PATTERN, canonicalVersion } from "../../registry/artifact";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody } from "../validate";

const Cell = v.union([v.number(), v.string(), v.boolean(), v.null()]);
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

const Hyperparameters = {
  hidden_layer_sizes: v.optional(
    v.pipe(v.array(v.pipe(positiveInt, v.maxValue(8192))), v.minLength(1), v.maxLength(8)),
  ),
  activation: v.optional(v.picklist(["relu", "tanh", "logistic", "identity"])),
  learning_rate_init: v.optional(v.pipe(v.number(), v.gtValue(0), v.maxValue(10))),
  alpha: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100))),
  max_iter: v.optional(v.pipe(positiveInt, v.maxValue(100_000))),
  random_state: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
};

const TrainFields = {
  model_key: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1–64 of A-Z a-z 0-9 _ . -")),
  version: v.optional(
    v.pipe(
      v.string(),
      v.transform(canonicalVersion),
      v.regex(
        CANONICAL_VERSION_PATTERN,
        "MAJOR.MINOR.PATCH (a leading v is fine) without leading zeros, each part at most 999999",
      ),
    ),
  ),
  allow_schema_change: v.optional(v.boolean(), false),
  /** "mlp" (default): hidden layers from the seed's table; "linear": none, a logistic/linear baseline */
  model_type: v.optional(v.picklist(MODEL_TYPES), DEFAULT_MODEL_TYPE),
  task_type: v.optional(v.picklist(["classification", "regression"])),
  target_field: v.pipe(v.string(), v.minLength(1)),
  feature_fields: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1))),
  /** a kind per column, overriding inference (and keeping a column that would be left out as an ID or constant) */
  feature_types: v.optional(v.record(v.string(), v.picklist(FEATURE_KINDS))),
  items: v.optional(v.pipe(v.array(namedRow(Cell)), v.minLength(1), v.maxLength(1_000_000))),
  dataset_id: v.optional(v.string()),
  /** seed 000's clients send it; the data is named by dataset_id or kept as `<model_key>-train` */
  dataset_name: v.optional(v.string()),
  /** seed 000: "auto" or a number of rows per step */
  batch_size: v.optional(v.union([v.literal("auto"), v.pipe(positiveInt, v.maxValue(65536))])),
  use_gpu_if_available: v.optional(v.boolean(), true),
  early_stopping: v.optional(v.boolean()),
  validation_split: v.optional(v.pipe(v.number(), v.minValue(0.05), v.maxValue(0.5)), 0.2),
  /** seed 004's timeout handling: the fit is stopped and failed past this (else ML_TRAIN_TIMEOUT_S) */
  max_training_time_s: v.optional(v.pipe(v.number(), v.gtValue(0), v.maxValue(31_536_000))),
};

/** 202: the job that trains the reserved version. */
export const TrainAccepted = v.object({
  job_id: v.string(),
  status: v.literal("queued"),
  model_key: v.string(),
  version: v.string(),
  estimated_time: v.pipe(v.number(), v.description("seconds, a rough estimate")),
});

const homes = (keys: string[], home: string) => Object.fromEntries(keys.map((k) => [k, home]));

/** A hyperparameter at the top level, or a top-level field inside hyperparameters, is told where it goes. */
export const TrainBody = v.pipe(
  strictBody(
    {
      ...TrainFields,
      hyperparameters: v.optional(strictBody(Hyperparameters, homes(Object.keys(TrainFields), "")), {}),
    },
    homes(Object.keys(Hyperparameters), "hyperparameters"),
  ),
  v.check((b) => (b.items === undefined) !== (b.dataset_id === undefined), "give exactly one of items or dataset_id"),
);

export function trainRoutes(deps: Pick<AppDeps, "db" | "config" | "now" | "runtime">) {
  return new Hono<AppEnv>().post(
    "/train",
    requireRole("user"),
    jsonBody(TrainBody),
    responds(
      { 202: TrainAccepted },
      { errors: { 409: "the version exists, or the schema changed without allow_schema_change" } },
    ),
    async (c) => {
      const { items, dataset_id, dataset_name: _, batch_size, ...body } = c.req.valid("json");
      const batch = typeof batch_size === "number" ? { batch_size } : {};
      const data = items ? { items } : { dataset: await datasetForUser(deps, signedIn(c), dataset_id as string) };
      const { jobId, version, plan } = await startTraining(deps, {
        ...body,
        hyperparameters: { ...body.hyperparameters, ...batch },
        data,
        createdBy: signedIn(c).userId,
        actor: signedIn(c),
        traceId: c.get("traceId"),
      });
      return c.json(
        {
          job_id: jobId,
          status: "queued",
          model_key: body.model_key,
          version,
          estimated_time: Math.round(plan.estimatedSeconds * 10) / 10,
        },
        202,
      );
    },
  );
}
