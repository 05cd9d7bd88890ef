/**
 * Batch scoring: every row of a data file scored as a `predict` job, in the file's row order
 * (jobs/predict.ts), the result downloadable as CSV or NDJSON. The file is a stored dataset the
 * caller may read, or one sent now (CSV, NDJSON or Parquet, gzip or not): that one is streamed
 * into the dataset store under the upload limit with the upload's checks first (a 413 or 422
 * stores nothing), so the job reads it back as it reads any dataset. The model (or the version
 * or alias named) must exist before a byte of the file is read.
 */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import { datasetForUser, saveStagedUpload, stageUpload, type UploadSource } from "../datasets/store";
import type { DB } from "../db/schema";
import type { Actor } from "../registry/ownership";
import type { ModelCache } from "../registry/serving";
import { enqueue } from "./queue";
import type { JobRunner } from "./runner";

export interface BatchScoringDeps {
  db: Kysely<DB>;
  config: Config;
  now: () => Date;
  models: Pick<ModelCache, "load" | "active">;
  jobs: Pick<JobRunner, "kick">;
}

export interface BatchScoringRequest {
  actor: Actor;
  createdBy: number | null;
  modelKey: string;
  /** absent: the version serving when the job runs */
  version?: string | undefined;
  /** a stored dataset's id, or the bytes of a file to store first */
  data: { datasetId: string } | { source: UploadSource; filename?: string | undefined };
  traceId?: string | undefined;
}

/** What the 202 answer carries. */
export interface BatchScoringJob {
  job_id: string;
  status: string;
  model_key: string;
  dataset_id: string;
  rows: number;
}

/** A file scored under its model's name: `<model_key>-scoring`, within the 64 characters of a dataset name. */
const scoringName = (modelKey: string) => `${modelKey.slice(0, 56)}-scoring`;

/**
 * Queues the scoring of a data file; 404 for an unknown model, version or dataset, 413/422 for a
 * file that cannot be stored.
 * @example
 * const job = await startBatchScoring(deps, { actor, createdBy: 1, modelKey: "iris", data: { source: req.body } });
 * // job.job_id → GET /predict/{job_id}?format=csv once done
 */
export async function startBatchScoring(deps: BatchScoringDeps, r: BatchScoringRequest): Promise<BatchScoringJob> {
  if (r.version) await deps.models.load(r.modelKey, r.version);
  else await deps.models.active(r.modelKey);
  const datasetDeps = { db: deps.db, config: deps.config, now: deps.now };
  const dataset =
    "datasetId" in r.data
      ? await datasetForUser(datasetDeps, r.actor, r.data.datasetId)
      : await saveStagedUpload(datasetDeps, await stageUpload(datasetDeps, r.data.source), {
          name: scoringName(r.modelKey),
          originalFilename: r.data.filename,
          createdBy: r.createdBy,
        });
  const job = await enqueue(deps.db, {
    type: "predict",
    modelKey: r.modelKey,
    version: r.version ?? null,
    params: { model_key: r.modelKey, version: r.version ?? null, dataset_id: dataset.id },
    createdBy: r.createdBy,
    now: deps.now().toISOString(),
    traceId: r.traceId,
  });
  deps.jobs.kick();
  return { job_id: job.id, status: job.status, model_key: r.modelKey, dataset_id: dataset.id, rows: dataset.row_count };
}
