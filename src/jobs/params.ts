/**
 * What each job type stores in `jobs.params`, as valibot schemas: the writer builds the params
 * with the schema's type and the handler reads them back through the same schema, so a row
 * written by another version of the service, or edited by hand, fails its job with a message
 * naming the bad field instead of crashing the handler half-way.
 */
import * as v from "valibot";
import { ACTIVATIONS } from "../compute/backend";
import { FEATURE_KINDS } from "../ml/features";
import { MODEL_TYPES } from "../ml/kinds";
import type { JobRow } from "./queue";

const Cell = v.union([v.number(), v.string(), v.boolean(), v.null()]);

/** The fit's knobs, as POST /train takes them (src/http/api/train.ts checks their ranges). */
export const Hyperparameters = v.object({
  hidden_layer_sizes: v.optional(v.array(v.number())),
  activation: v.optional(v.picklist(ACTIVATIONS)),
  learning_rate_init: v.optional(v.number()),
  alpha: v.optional(v.number()),
  batch_size: v.optional(v.number()),
  max_iter: v.optional(v.number()),
  random_state: v.optional(v.number()),
});

/** A `train` job; jobs written before model kinds existed have no model_type and train an MLP. */
export const TrainParams = v.object({
  model_key: v.string(),
  version: v.string(),
  model_type: v.optional(v.picklist(MODEL_TYPES), "mlp"),
  task_type: v.picklist(["classification", "regression"]),
  target_field: v.string(),
  feature_fields: v.array(v.string()),
  /** kinds the user named per column (absent in jobs queued before they could) */
  feature_types: v.optional(v.record(v.string(), v.picklist(FEATURE_KINDS))),
  dataset_id: v.string(),
  validation_split: v.number(),
  early_stopping: v.boolean(),
  use_gpu_if_available: v.boolean(),
  hyperparameters: Hyperparameters,
  /** the fit is stopped and failed past this (else ML_TRAIN_TIMEOUT_S) */
  max_training_time_s: v.optional(v.number()),
});
export type TrainParams = v.InferOutput<typeof TrainParams>;

/** A `retrain` job: the source version's training params, reused with the new version. */
export const RetrainParams = v.object({
  model_key: v.string(),
  version: v.string(),
  source_version: v.string(),
  trigger: v.picklist(["drift", "manual"]),
  /** the window whose confident predictions become client rows */
  window_start: v.string(),
  window_end: v.string(),
  train: TrainParams,
});
export type RetrainParams = v.InferOutput<typeof RetrainParams>;

/**
 * A `predict` job: rows past ML_SYNC_PREDICT_MAX_ROWS, or every row of a stored dataset
 * (batch scoring, in the dataset's row order); version null = the active one.
 */
export const PredictParams = v.object({
  model_key: v.string(),
  version: v.nullable(v.string()),
  data: v.optional(v.array(v.record(v.string(), Cell))),
  dataset_id: v.optional(v.string()),
});
export type PredictParams = v.InferOutput<typeof PredictParams>;

/** A `drift` job: one model, or every model when model_key is null. */
export const DriftParams = v.object({ model_key: v.nullable(v.string()) });
export type DriftParams = v.InferOutput<typeof DriftParams>;

/** Thrown when a job row's params do not match its type's schema; the job fails with this message. */
export class JobParamsError extends Error {
  override name = "JobParamsError";
}

/**
 * The job's params, checked against `schema`.
 *
 * @example const p = readParams(TrainParams, job); // p.model_key is a string, or it threw
 */
export function readParams<S extends v.GenericSchema>(schema: S, job: Pick<JobRow, "id" | "type" | "params">) {
  let raw: unknown;
  try {
    raw = JSON.parse(job.params);
  } catch {
    throw new JobParamsError(`${job.type} job ${job.id} has params that are not JSON`);
  }
  const parsed = v.safeParse(schema, raw);
  if (parsed.success) return parsed.output as v.InferOutput<S>;
  const where = (i: v.BaseIssue<unknown>) => (i.path ?? []).map((p) => String(p.key)).join(".") || "params";
  const issues = parsed.issues.slice(0, 3).map((i) => `${where(i)}: ${i.message}`);
  throw new JobParamsError(`${job.type} job ${job.id} has params this service cannot read (${issues.join("; ")})`);
}
