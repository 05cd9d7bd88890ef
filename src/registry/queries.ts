/**
 * What the API and the dashboard read about models and their versions, as plain data: the model
 * list (`GET /models`, `/ui/models`, the overview), one model's summary, a version as clients see
 * it, and the model keys the dashboard offers in its pickers. Both adapters call these, so a
 * model reads the same wherever it is shown.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { type ModelType, recordedModelType } from "../ml/kinds";
import { listAliases } from "./aliases";
import { modelPeople } from "./maintainers";
import { getModel, listVersions, type ModelRow, type VersionRow } from "./registry";
import { getShadow } from "./shadow";

const parse = (s: string | null) => (s === null ? null : JSON.parse(s));

/**
 * A model as `GET /models` lists it (seed 000's shape: `versions` as a list, `accuracy`,
 * `last_trained`), with its serving version's metrics beside.
 */
export interface ModelSummary {
  model_key: string;
  task_type: "classification" | "regression";
  target_field: string;
  active_version: string | null;
  /** the kind of the serving version (mlp, linear); null while none serves */
  model_type: ModelType | null;
  /** active: a version serves (seed 000's word); training: none yet, one is fitting; no_ready_version: none can serve */
  status: "active" | "training" | "no_ready_version";
  metrics: Record<string, unknown> | null;
  /** the serving version's accuracy (classification) or R² (regression); null while none serves */
  accuracy: number | null;
  /** when the serving version finished training */
  last_trained: string | null;
  /** every version's name, oldest first */
  versions: string[];
  created_at: string;
  updated_at: string;
}

type VersionBrief = Pick<
  VersionRow,
  "version" | "status" | "metrics" | "hyperparameters" | "created_at" | "completed_at"
>;

function summarize(model: ModelRow, versions: VersionBrief[]): ModelSummary {
  const active = versions.find((v) => v.version === model.active_version);
  const metrics = active ? parse(active.metrics) : null;
  const score = metrics?.[model.task_type === "classification" ? "accuracy" : "r2"];
  const oldestFirst = [...versions].sort((a, b) =>
    a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0,
  );
  return {
    model_key: model.model_key,
    task_type: model.task_type,
    target_field: model.target_field,
    active_version: model.active_version,
    model_type: active ? recordedModelType(parse(active.hyperparameters)) : null,
    status: active ? "active" : versions.some((v) => v.status === "training") ? "training" : "no_ready_version",
    metrics,
    accuracy: typeof score === "number" ? score : null,
    last_trained: active?.completed_at ?? null,
    versions: oldestFirst.map((v) => v.version),
    created_at: model.created_at,
    updated_at: model.updated_at,
  };
}

/** `GET /models/{key}`: the summary, the owner and maintainers, aliases, shadow and every version. 404 unknown. */
export async function modelDetail(db: Kysely<DB>, modelKey: string) {
  const model = await getModel(db, modelKey);
  const versions = await listVersions(db, modelKey);
  return {
    ...summarize(model, versions),
    ...(await modelPeople(db, modelKey)),
    aliases: await listAliases(db, modelKey),
    shadow: await getShadow(db, modelKey),
    version_list: versions.map((v) => versionView(v, model.active_version)),
  };
}

/** `GET /models/{key}/versions`: newest first, the serving one marked. 404 unknown. */
export async function modelVersions(db: Kysely<DB>, modelKey: string) {
  const model = await getModel(db, modelKey);
  const versions = await listVersions(db, modelKey);
  return {
    model_key: modelKey,
    active_version: model.active_version,
    items: versions.map((v) => versionView(v, model.active_version)),
  };
}

export interface ModelListQuery {
  limit: number;
  offset: number;
  /** by key (the lists), or the most recently changed first (the overview) */
  order: "model_key" | "recent";
}

/** One page of model summaries and how many models there are. */
export async function listModelSummaries(
  db: Kysely<DB>,
  q: ModelListQuery,
): Promise<{ items: ModelSummary[]; total: number }> {
  let page = db.selectFrom("models").selectAll();
  page = q.order === "recent" ? page.orderBy("updated_at", "desc").orderBy("model_key") : page.orderBy("model_key");
  const [models, total] = await Promise.all([page.limit(q.limit).offset(q.offset).execute(), countModels(db)]);
  const keys = models.map((m) => m.model_key);
  const versions =
    keys.length === 0
      ? []
      : await db
          .selectFrom("model_versions")
          .select(["model_key", "version", "status", "metrics", "hyperparameters", "created_at", "completed_at"])
          .where("model_key", "in", keys)
          .execute();
  const items = models.map((m) =>
    summarize(
      m,
      versions.filter((v) => v.model_key === m.model_key),
    ),
  );
  return { items, total };
}

export async function countModels(db: Kysely<DB>): Promise<number> {
  const { n } = await db
    .selectFrom("models")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Model keys for the dashboard's pickers; `serving` keeps those with an active version. */
export async function modelKeys(db: Kysely<DB>, o: { serving: boolean; limit: number }): Promise<string[]> {
  let q = db.selectFrom("models").select("model_key");
  if (o.serving) q = q.where("active_version", "is not", null);
  const rows = await q.orderBy("model_key").limit(o.limit).execute();
  return rows.map((r) => r.model_key);
}

/** A version as the API shows it (JSON columns parsed, `active` beside it). */
export function versionView(v: VersionRow, active: string | null) {
  return {
    version: v.version,
    status: v.status,
    active: v.version === active,
    model_type: recordedModelType(parse(v.hyperparameters)),
    metrics: parse(v.metrics),
    hyperparameters: parse(v.hyperparameters),
    feature_fields: parse(v.feature_fields),
    backend: v.backend,
    train_rows: v.train_rows,
    training_time_s: v.training_time_s,
    dataset_id: v.dataset_id,
    job_id: v.job_id,
    error: v.error,
    notes: v.notes,
    tags: JSON.parse(v.tags) as string[],
    created_at: v.created_at,
    completed_at: v.completed_at,
  };
}
