/**
 * Starting a fit, as POST /train and the Training page both do: check who asks (a new model_key
 * makes them its owner; an existing model needs its owner, a maintainer or an admin: 403), check
 * the data (422 before any job exists: all of it for rows sent inline; the header, row count and
 * first rows of a stored dataset, whose rows only the job loads), reserve the version (409 on a
 * duplicate or a schema change not asked for), keep rows sent inline as a dataset so a retrain can
 * reuse them, plan the fit (src/ml/plan.ts: the same plan the job runs), queue the job, wake the runner.
 */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import { type Dataset, previewDataset, saveJsonDataset } from "../datasets/store";
import type { DB } from "../db/schema";
import { invalid } from "../errors";
import { TrainingError } from "../ml/errors";
import { inferSpec, isMissing, type Row } from "../ml/features";
import { DEFAULT_MODEL_TYPE, type ModelType } from "../ml/kinds";
import { type FitPlan, planFit } from "../ml/plan";
import { type Actor, assertCanChangeModel } from "../registry/ownership";
import { reserveVersion } from "../registry/registry";
import type { TrainParams } from "./params";
import { enqueue, newJobId } from "./queue";
import type { JobRunner } from "./runner";
import {
  checkColumns,
  checkLabelledCount,
  checkTargetKind,
  checkTrainingRows,
  inferTask,
  type Task,
  type TrainingFields,
} from "./training-checks";

/**
 * Rows read from the head of a stored dataset at request time: enough to infer the task when
 * none is given, the encoded width and the classes for the estimate; the job checks all rows.
 */
export const SAMPLE_ROWS = 1000;

/** Rows sent with the request, or a stored dataset the caller may use (datasetForUser). */
export type TrainingData = { items: Row[] } | { dataset: Dataset };

export interface TrainingRequest extends TrainingFields {
  model_key: string;
  version?: string | undefined;
  /** the kind of model to fit (src/ml/kinds); absent: an MLP */
  model_type?: ModelType | undefined;
  early_stopping?: boolean | undefined;
  use_gpu_if_available: boolean;
  hyperparameters: TrainParams["hyperparameters"];
  /** seconds the fit may run (else ML_TRAIN_TIMEOUT_S) */
  max_training_time_s?: number | undefined;
  /** kinds named per feature column (features.ts FeatureKind), overriding inference */
  feature_types?: TrainParams["feature_types"];
  data: TrainingData;
  createdBy: number | null;
  actor: Actor;
  /** the new version may change the target, task or features of the active one (owner or admin) */
  allow_schema_change?: boolean | undefined;
  /** the trace of the request that asked (src/trace.ts), for the job's log lines */
  traceId?: string | undefined;
}

export interface TrainingDeps {
  db: Kysely<DB>;
  config: Config;
  now: () => Date;
  runtime: { jobs: Pick<JobRunner, "kick"> };
}

interface CheckedData {
  task: Task;
  features: string[];
  /** labelled rows: exact for inline rows, the dataset's row count (an upper bound) for a stored one */
  labelled: number;
  /** classes (or 1) seen: all of them inline, those of the sample for a stored dataset */
  outputs: number;
  sample: Row[];
}

/** A stored dataset checked from its metadata and first rows; the job checks the rest. */
async function checkDataset(deps: TrainingDeps, actor: Actor, ds: Dataset, r: TrainingFields): Promise<CheckedData> {
  const features = checkColumns(ds.columns, r);
  checkLabelledCount(ds.row_count, r.validation_split);
  const { rows } = await previewDataset({ db: deps.db, config: deps.config, now: deps.now }, actor, ds.id, SAMPLE_ROWS);
  const values = rows.map((row) => row[r.target_field]).filter((x) => !isMissing(x));
  const task = inferTask(values, r.task_type);
  checkTargetKind(r.target_field, task, values);
  const outputs = task === "classification" ? Math.max(2, new Set(values.map(String)).size) : 1;
  return { task, features, labelled: ds.row_count, outputs, sample: rows };
}

function checkItems(items: Row[], r: TrainingFields): CheckedData {
  return { ...checkTrainingRows(items, r), sample: items.slice(0, SAMPLE_ROWS) };
}

/** The plan of the fit as the job will run it, from what the request knows; 422 for layers the kind cannot have. */
function planRequest(config: Config, r: TrainingRequest, checked: CheckedData): FitPlan {
  try {
    return planFit({
      modelType: r.model_type,
      labelledRows: checked.labelled,
      validationSplit: r.validation_split,
      inputWidth: inferSpec(checked.sample, checked.features, r.feature_types ?? {}).width,
      outputs: checked.outputs,
      hidden: r.hyperparameters.hidden_layer_sizes,
      maxIter: r.hyperparameters.max_iter ?? config.ML_MAX_ITER,
      earlyStopping: r.early_stopping ?? config.ML_EARLY_STOPPING,
      validationFraction: config.ML_VALIDATION_FRACTION,
      nIterNoChange: config.ML_N_ITER_NO_CHANGE,
    });
  } catch (e) {
    if (e instanceof TrainingError)
      throw invalid(e.message, [{ path: "hyperparameters.hidden_layer_sizes", message: e.message }]);
    throw e;
  }
}

/**
 * What the request leaves out, from the settings (seed .env files set them): the MLP's layers
 * (ML_HIDDEN_LAYER_SIZES, or ML_LARGE_DATASET_HIDDEN_LAYERS from ML_LARGE_DATASET_THRESHOLD
 * labelled rows on; neither set: the seed's size table), activation and batch size.
 */
function withConfigDefaults(config: Config, r: TrainingRequest, labelled: number): TrainingRequest {
  const h = { ...r.hyperparameters };
  if (h.hidden_layer_sizes === undefined && (r.model_type ?? DEFAULT_MODEL_TYPE) === "mlp") {
    const large = config.ML_LARGE_DATASET_HIDDEN_LAYERS.length > 0 && labelled >= config.ML_LARGE_DATASET_THRESHOLD;
    const layers = large ? config.ML_LARGE_DATASET_HIDDEN_LAYERS : config.ML_HIDDEN_LAYER_SIZES;
    if (layers.length > 0) h.hidden_layer_sizes = [...layers];
  }
  if (h.activation === undefined && config.ML_ACTIVATION !== "relu") h.activation = config.ML_ACTIVATION;
  if (h.batch_size === undefined && config.ML_BATCH_SIZE !== "auto") h.batch_size = config.ML_BATCH_SIZE;
  return { ...r, hyperparameters: h };
}

export async function startTraining(deps: TrainingDeps, asked: TrainingRequest) {
  const exists = await deps.db
    .selectFrom("models")
    .select("model_key")
    .where("model_key", "=", asked.model_key)
    .executeTakeFirst();
  if (exists) await assertCanChangeModel(deps.db, asked.actor, asked.model_key, "train a new version of");
  const checked =
    "items" in asked.data
      ? checkItems(asked.data.items, asked)
      : await checkDataset(deps, asked.actor, asked.data.dataset, asked);
  const r = withConfigDefaults(deps.config, asked, checked.labelled);
  const { task, features } = checked;
  const unknownTypes = Object.keys(r.feature_types ?? {}).filter((k) => !features.includes(k));
  if (unknownTypes.length) {
    throw invalid(
      `feature_types names columns that are not features: ${unknownTypes.join(", ")}`,
      unknownTypes.map((k) => ({ path: `feature_types.${k}`, message: "not a feature field" })),
    );
  }
  const modelType = r.model_type ?? DEFAULT_MODEL_TYPE;
  const plan = planRequest(deps.config, r, checked);
  const jobId = newJobId();
  const at = deps.now().toISOString();
  const version = await reserveVersion(deps.db, {
    modelKey: r.model_key,
    version: r.version,
    taskType: task,
    targetField: r.target_field,
    featureFields: features,
    hyperparameters: { model_type: modelType, ...r.hyperparameters },
    datasetId: "dataset" in r.data ? r.data.dataset.id : null,
    jobId,
    createdBy: r.createdBy,
    now: at,
    actor: r.actor,
    allowSchemaChange: r.allow_schema_change,
  });
  let datasetId: string;
  if ("dataset" in r.data) datasetId = r.data.dataset.id;
  else {
    const datasetDeps = { db: deps.db, config: deps.config, now: deps.now };
    const saved = await saveJsonDataset(datasetDeps, {
      name: `${r.model_key}-train`,
      rows: r.data.items,
      createdBy: r.createdBy,
    });
    datasetId = saved.id;
    await deps.db.updateTable("model_versions").set({ dataset_id: datasetId }).where("job_id", "=", jobId).execute();
  }
  const params: TrainParams = {
    model_key: r.model_key,
    version,
    model_type: modelType,
    task_type: task,
    target_field: r.target_field,
    feature_fields: features,
    ...(r.feature_types && { feature_types: r.feature_types }),
    dataset_id: datasetId,
    validation_split: r.validation_split,
    early_stopping: r.early_stopping ?? deps.config.ML_EARLY_STOPPING,
    use_gpu_if_available: r.use_gpu_if_available,
    hyperparameters: r.hyperparameters,
    ...(r.max_training_time_s === undefined ? {} : { max_training_time_s: r.max_training_time_s }),
  };
  await enqueue(deps.db, {
    id: jobId,
    type: "train",
    modelKey: r.model_key,
    version,
    params,
    createdBy: r.createdBy,
    now: at,
    traceId: r.traceId,
  });
  deps.runtime.jobs.kick();
  return { jobId, version, task, features, labelled: checked.labelled, plan };
}
