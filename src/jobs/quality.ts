/**
 * `POST /quality`: a version's metrics on labelled rows. With `items` the client's rows are
 * scored; without them (seed 000: `{model_key, version}` only) the version's own held-out rows,
 * the ones its fit never saw, plus every labelled feedback row of the model.
 */
import type { Kysely } from "kysely";
import type { Backend } from "../compute/backend";
import type { Config } from "../config";
import { loadDatasetRows } from "../datasets/store";
import type { DB } from "../db/schema";
import { conflict, invalid } from "../errors";
import { classificationMetrics, regressionMetrics } from "../ml/evaluate";
import { isMissing, type Row } from "../ml/features";
import { feedbackRows } from "../monitoring/client-data";
import { getVersion } from "../registry/registry";
import { type LoadedVersion, predictRows } from "../registry/serving";
import { JobParamsError, RetrainParams, readParams, TrainParams } from "./params";
import { splitHeldOut } from "./train";

export interface QualityDeps {
  db: Kysely<DB>;
  config: Config;
  now: () => Date;
  backend: () => Promise<Backend>;
}

export interface QualityRequest {
  loaded: LoadedVersion;
  /** labelled rows to score; absent: the version's held-out rows and the model's feedback */
  items?: Row[] | undefined;
  targetField?: string | undefined;
}

/**
 * The held-out rows of a version, rebuilt as its job split them: a train job's seeded split of
 * its dataset, or the tail of a retrain's saved dataset (saved as fit rows, then held-out rows).
 * 409 when the version has no training record to rebuild them from (an imported one).
 */
async function heldOutRows(deps: QualityDeps, modelKey: string, version: string): Promise<Row[]> {
  const row = await getVersion(deps.db, modelKey, version);
  const job = row.job_id
    ? await deps.db.selectFrom("jobs").select(["id", "type", "params"]).where("id", "=", row.job_id).executeTakeFirst()
    : undefined;
  if (!job || !row.dataset_id) throw conflict(`version ${version} of ${modelKey} has no training record to score`);
  let params: TrainParams;
  try {
    params = job.type === "retrain" ? readParams(RetrainParams, job).train : readParams(TrainParams, job);
  } catch (e) {
    if (e instanceof JobParamsError)
      throw conflict(`version ${version} of ${modelKey} has no training record to score`);
    throw e;
  }
  const { rows } = await loadDatasetRows(deps, row.dataset_id);
  const labelled = rows.filter((r) => !isMissing(r[params.target_field]));
  if (job.type === "retrain") return labelled.slice(row.train_rows ?? labelled.length);
  return splitHeldOut(labelled, params.validation_split, params.hyperparameters.random_state ?? 42).held;
}

/** Scores `q.loaded` on labelled rows; 422 when none has a value for the target. */
export async function versionQuality(deps: QualityDeps, q: QualityRequest) {
  const { loaded } = q;
  const target = q.targetField ?? loaded.artifact.target.field;
  const source = q.items
    ? q.items
    : [
        ...(await heldOutRows(deps, loaded.modelKey, loaded.version)),
        ...(await feedbackRows(deps.db, loaded.modelKey, target)),
      ];
  const rows = source.filter((r) => !isMissing(r[target]));
  if (rows.length === 0) throw invalid(`no item has a value for the target ${target}`);
  const out = await predictRows(deps.backend, loaded, rows);
  const metrics =
    loaded.artifact.model.task === "classification"
      ? withSeedNames(
          classificationMetrics(
            rows.map((r) => String(r[target])),
            out.map((o) => String(o.prediction)),
            (loaded.artifact.model.classes ?? []).map(String),
          ),
        )
      : regressionMetrics(
          rows.map((r) => Number(r[target])),
          out.map((o) => Number(o.prediction)),
        );
  return {
    model_key: loaded.modelKey,
    version: loaded.version,
    target_field: target,
    metrics,
    samples_analyzed: rows.length,
    source: q.items ? "items" : "held_out_and_feedback",
    last_updated: deps.now().toISOString(),
  };
}

/** Seed 000 names `precision`, `recall`, `f1`: the class-weighted averages (sklearn's `average="weighted"`). */
function withSeedNames(m: ReturnType<typeof classificationMetrics>) {
  return { ...m, precision: m.precision_weighted, recall: m.recall_weighted, f1: m.f1_weighted };
}
