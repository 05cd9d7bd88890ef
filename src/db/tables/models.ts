/** Table types of migrations/0003_models.sql. */
import type { Generated } from "kysely";

export interface DatasetsTable {
  id: string;
  name: string;
  version: number;
  /** 0015 added ndjson and parquet */
  format: "csv" | "json" | "ndjson" | "parquet";
  original_filename: string | null;
  columns: string;
  row_count: number;
  size_bytes: number;
  sha256: string;
  created_by: number | null;
  created_at: string;
  last_used_at: string | null;
  /** JSON DatasetProfile (0013); null before profiles and for JSON rows */
  profile: string | null;
}

export interface ModelsTable {
  model_key: string;
  task_type: "classification" | "regression";
  target_field: string;
  active_version: string | null;
  settings: Generated<string>;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}

export type VersionStatus = "training" | "ready" | "failed" | "archived";

export interface ModelVersionsTable {
  id: Generated<number>;
  model_key: string;
  version: string;
  status: VersionStatus;
  job_id: string | null;
  dataset_id: string | null;
  feature_fields: string;
  hyperparameters: string;
  metrics: string | null;
  backend: string | null;
  train_rows: number | null;
  training_time_s: number | null;
  artifact_file: string | null;
  artifact_sha256: string | null;
  error: string | null;
  created_by: number | null;
  created_at: string;
  completed_at: string | null;
  /** 0006: the target this version was trained for (NULL only on rows from before 0006 without a model) */
  target_field: string | null;
  /** 0011: JSON {"loss": number[], "validation_score": number[]} per epoch; NULL before 0011 (the artifact keeps them) */
  curves: string | null;
  /** 0011: free text a person wrote about the version */
  notes: Generated<string>;
  /** 0011: JSON array of tag strings */
  tags: Generated<string>;
}

/** 0006: users besides the owner who may change a model. */
export interface ModelMaintainersTable {
  model_key: string;
  user_id: number;
  added_by: number | null;
  added_at: string;
}

export type JobType = "train" | "predict" | "drift" | "retrain";
export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

export interface JobsTable {
  id: string;
  type: JobType;
  status: JobStatus;
  model_key: string | null;
  version: string | null;
  params: string;
  result: string | null;
  error: string | null;
  stage: string | null;
  progress: Generated<number>;
  progress_detail: string | null;
  cancel_requested: Generated<number>;
  created_by: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** the process holding a running job (0014; src/jobs/lease.ts), null while queued */
  claimed_by: string | null;
  /** ISO time the holder's lease ends unless renewed */
  lease_until: string | null;
  /** how many times a process has claimed it */
  attempts: Generated<number>;
}

export interface PredictionsTable {
  id: Generated<number>;
  model_key: string;
  version: string;
  created_at: string;
  /** the row as JSON text, or '' when its batch holds it exactly (0016; src/monitoring/batched-inputs.ts) */
  input: string;
  prediction: string;
  confidence: number | null;
  latency_ms: number | null;
  job_id: string | null;
  /** users.id of who asked (0007); NULL for rows logged before */
  created_by: Generated<number | null>;
  /** first_prediction_id of the prediction_batches row holding this input (0016); NULL for rows logged before, or not in one */
  batch_first_id: Generated<number | null>;
  /** the row's place in that batch's columns */
  batch_row: Generated<number | null>;
}

export interface ModelTables {
  datasets: DatasetsTable;
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  model_maintainers: ModelMaintainersTable;
  jobs: JobsTable;
  predictions: PredictionsTable;
}
