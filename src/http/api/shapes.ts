/**
 * Answer shapes several routes share (a job, a dataset, a model version, a page of items), as
 * valibot schemas for `responds` (src/http/route-doc.ts) and so /openapi.json. They describe
 * what the views in the domain folders return (`jobView`, `shownDataset`, `versionView` …);
 * test/http/openapi-responses.test.ts parses real answers with them, so a view that changes
 * shape without its schema fails there.
 */
import * as v from "valibot";

export const Timestamp = v.pipe(v.string(), v.description("ISO 8601 UTC time"));
export const nullable = <S extends v.GenericSchema>(s: S) => v.nullable(s);
/** Any JSON value (metrics, parameters, results whose fields depend on the model or job). */
export const Json = v.unknown();
export const JsonObject = v.record(v.string(), v.unknown());

/** A page of `item`s: `items`, `total` (all that match), and the `limit`/`offset` that picked this page. */
export const page = <S extends v.GenericSchema>(item: S) =>
  v.object({ items: v.array(item), total: v.number(), limit: v.number(), offset: v.number() });

/** `{"job_id","status"}` and a few more fields: the answer of every route that queues work. */
export const Queued = v.object({
  job_id: v.string(),
  status: v.picklist(["queued", "running", "completed", "failed", "cancelled"]),
  model_key: v.optional(v.nullable(v.string())),
  version: v.optional(v.nullable(v.string())),
});

export const Job = v.object({
  job_id: v.string(),
  type: v.picklist(["train", "predict", "drift", "retrain"]),
  status: v.picklist(["queued", "running", "completed", "failed", "cancelled"]),
  model_key: v.nullable(v.string()),
  version: v.nullable(v.string()),
  stage: v.nullable(v.string()),
  progress: v.pipe(v.number(), v.description("0–1")),
  progress_detail: Json,
  result: Json,
  error: v.nullable(v.string()),
  created_at: Timestamp,
  started_at: v.nullable(Timestamp),
  finished_at: v.nullable(Timestamp),
});

export const Dataset = v.object({
  id: v.string(),
  name: v.string(),
  version: v.number(),
  format: v.picklist(["csv", "json", "ndjson", "parquet"]),
  original_filename: v.nullable(v.string()),
  columns: v.array(v.string()),
  column_count: v.number(),
  row_count: v.number(),
  size_bytes: v.number(),
  sha256: v.string(),
  created_at: Timestamp,
  last_used_at: v.nullable(Timestamp),
});

/** What an upload's columns were found to be (src/datasets/reader/profile.ts); null for data sets stored before profiles. */
export const DatasetProfile = v.object({
  format: v.picklist(["csv", "ndjson", "parquet"]),
  delimiter: v.nullable(v.string()),
  gzip: v.boolean(),
  rows: v.number(),
  columns: v.array(
    v.object({
      name: v.string(),
      kind: v.picklist(["numeric", "boolean", "categorical", "text", "date"]),
      missing: v.number(),
      distinct: v.pipe(v.number(), v.description("distinct present values; 101 means more than 100")),
      excluded: v.nullable(v.picklist(["constant", "id"])),
      warnings: v.array(v.string()),
    }),
  ),
  warnings: v.array(v.string()),
});

/** One data set with its profile (upload and `GET /datasets/{id}`). */
export const ProfiledDataset = v.object({ ...Dataset.entries, profile: v.nullable(DatasetProfile) });

export const ModelType = v.picklist(["mlp", "linear"]);

export const ModelSummary = v.object({
  model_key: v.string(),
  task_type: v.picklist(["classification", "regression"]),
  target_field: v.string(),
  active_version: v.nullable(v.string()),
  model_type: v.nullable(ModelType),
  status: v.picklist(["active", "training", "no_ready_version"]),
  metrics: v.nullable(JsonObject),
  accuracy: v.pipe(v.nullable(v.number()), v.description("the serving version's accuracy, or R² for regression")),
  last_trained: v.nullable(Timestamp),
  versions: v.pipe(v.array(v.string()), v.description("every version's name, oldest first")),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const Version = v.object({
  version: v.string(),
  status: v.picklist(["training", "ready", "failed", "archived"]),
  active: v.boolean(),
  model_type: ModelType,
  metrics: v.nullable(JsonObject),
  hyperparameters: v.nullable(JsonObject),
  feature_fields: v.nullable(v.array(v.string())),
  backend: v.nullable(v.string()),
  train_rows: v.nullable(v.number()),
  training_time_s: v.nullable(v.number()),
  dataset_id: v.nullable(v.string()),
  job_id: v.nullable(v.string()),
  error: v.nullable(v.string()),
  notes: v.string(),
  tags: v.array(v.string()),
  created_at: Timestamp,
  completed_at: v.nullable(Timestamp),
});

/** A model's alias: a name for one of its ready versions. */
export const Alias = v.object({
  alias: v.string(),
  version: v.string(),
  updated_by: v.nullable(v.string()),
  updated_at: Timestamp,
});

/** A version serving after an activation (rollback, promotion, import). */
export const Activated = v.object({
  model_key: v.string(),
  previous_version: v.nullable(v.string()),
  active_version: v.string(),
  reason: v.picklist(["trained", "retrained", "imported", "rollback", "promoted"]),
});

export const PublicUser = v.object({
  id: v.number(),
  username: v.string(),
  role: v.picklist(["user", "admin", "system_admin"]),
  tier: v.pipe(v.picklist(["user", "admin", "system_admin"]), v.description("seed 001's name for the role")),
  is_active: v.boolean(),
  must_change_password: v.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_login_at: v.nullable(Timestamp),
  deleted_at: v.nullable(Timestamp),
});

export const Alert = v.object({
  alert_id: v.number(),
  id: v.pipe(v.number(), v.description("the same as alert_id")),
  type: v.string(),
  severity: v.picklist(["info", "warning", "critical"]),
  model_key: v.nullable(v.string()),
  version: v.nullable(v.string()),
  message: v.string(),
  details: Json,
  created_at: Timestamp,
  status: v.picklist(["open", "acknowledged", "dismissed"]),
  acknowledged_by: v.nullable(v.string()),
  acknowledged_at: v.nullable(Timestamp),
  dismissed_by: v.nullable(v.string()),
  dismissed_at: v.nullable(Timestamp),
  dismissible: v.boolean(),
});

export const DriftCheck = v.object({
  check_id: v.number(),
  model_key: v.string(),
  check_date: v.string(),
  version: v.nullable(v.string()),
  status: v.picklist(["decided", "undecided"]),
  drifted: v.nullable(v.boolean()),
  reason: v.nullable(v.string()),
  rows: v.number(),
  share_drifted: v.nullable(v.number()),
  drifted_features: v.array(v.string()),
  window_start: v.string(),
  window_end: v.string(),
  created_at: Timestamp,
});
