/**
 * Starting a fit, as POST /train and the Training page both do: check who asks (a new model_key
 * makes them its owner; an existing model needs its owner, a maintainer or an admin: 403), check
 * the rows (422 before any job exists), reserve the version (409 on a duplicate or a schema
 * change not asked for), keep rows sent inline as a dataset so a retrain can reuse them, queue
 * the job and wake the runner.
 */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import { checkColumnNames } from "../datasets/column-names";
import { saveJsonDataset } from "../datasets/store";
import type { DB } from "../db/schema";
import { invalid } from "../errors";
import { TrainingError } from "../ml/errors";
import { inferKind, isMissing, type Row, unrepresentableNumbers } from "../ml/features";
import { type ModelType, modelKind } from "../ml/kinds";
import { type Actor, assertCanChangeModel } from "../registry/ownership";
import { reserveVersion } from "../registry/registry";
import type { TrainParams } from "./params";
import { enqueue, newJobId } from "./queue";
import type { JobRunner } from "./runner";

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
  checkColumnNames([...columns], "the training rows");
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
  const unrepresentable = unrepresentableNumbers(rows, "items");
  if (unrepresentable.length) {
    const first = unrepresentable[0] as { path: string; message: string };
    throw invalid(`${first.path}: ${first.message}`, unrepresentable.slice(0, 100));
  }
  return { task: task as "classification" | "regression", features, labelled: labelled.length };
}

export interface TrainingRequest {
  model_key: string;
  version?: string | undefined;
  /** the kind of model to fit (src/ml/kinds); absent: an MLP */
  model_type?: ModelType | undefined;
  task_type?: "classification" | "regression" | undefined;
  target_field: string;
  feature_fields?: string[] | undefined;
  validation_split: number;
  early_stopping?: boolean | undefined;
  use_gpu_if_available: boolean;
  hyperparameters: TrainParams["hyperparameters"];
  rows: Row[];
  /** the dataset the rows came from; null: they came inline and are kept as a new dataset */
  datasetId: string | null;
  createdBy: number | null;
  actor: Actor;
  /** the new version may change the target, task or features of the active one (owner or admin) */
  allow_schema_change?: boolean | undefined;
}

export interface TrainingDeps {
  db: Kysely<DB>;
  config: Config;
  now: () => Date;
  runtime: { jobs: Pick<JobRunner, "kick"> };
}

export async function startTraining(deps: TrainingDeps, r: TrainingRequest) {
  const exists = await deps.db
    .selectFrom("models")
    .select("model_key")
    .where("model_key", "=", r.model_key)
    .executeTakeFirst();
  if (exists) await assertCanChangeModel(deps.db, r.actor, r.model_key, "train a new version of");
  const { task, features, labelled } = checkTrainingRows(r.rows, r);
  const modelType = r.model_type ?? "mlp";
  try {
    modelKind(modelType).hiddenLayers(labelled, r.hyperparameters.hidden_layer_sizes);
  } catch (e) {
    if (e instanceof TrainingError)
      throw invalid(e.message, [{ path: "hyperparameters.hidden_layer_sizes", message: e.message }]);
    throw e;
  }
  const jobId = newJobId();
  const at = deps.now().toISOString();
  const version = await reserveVersion(deps.db, {
    modelKey: r.model_key,
    version: r.version,
    taskType: task,
    targetField: r.target_field,
    featureFields: features,
    hyperparameters: { model_type: modelType, ...r.hyperparameters },
    datasetId: r.datasetId,
    jobId,
    createdBy: r.createdBy,
    now: at,
    actor: r.actor,
    allowSchemaChange: r.allow_schema_change,
  });
  let datasetId = r.datasetId;
  if (!datasetId) {
    const datasetDeps = { db: deps.db, config: deps.config, now: deps.now };
    const saved = await saveJsonDataset(datasetDeps, {
      name: `${r.model_key}-train`,
      rows: r.rows,
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
    dataset_id: datasetId,
    validation_split: r.validation_split,
    early_stopping: r.early_stopping ?? deps.config.ML_EARLY_STOPPING,
    use_gpu_if_available: r.use_gpu_if_available,
    hyperparameters: r.hyperparameters,
  };
  await enqueue(deps.db, {
    id: jobId,
    type: "train",
    modelKey: r.model_key,
    version,
    params,
    createdBy: r.createdBy,
    now: at,
  });
  deps.runtime.jobs.kick();
  return { jobId, version, task, features, labelled };
}
