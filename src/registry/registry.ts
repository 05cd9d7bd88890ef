/**
 * Models and their versions in the database: reserving a version for a fit, recording its
 * outcome, activation, rollback and retention. Artifacts themselves are in artifact.ts.
 */
import type { Kysely, Selectable } from "kysely";
import type { DB } from "../db/schema";
import type { ModelsTable, ModelVersionsTable } from "../db/tables/models";
import { conflict, invalid, notFound, ServiceError } from "../errors";
import { MODEL_KEY_PATTERN, removeArtifact, VERSION_PATTERN } from "./artifact";

export type ModelRow = Selectable<ModelsTable>;
export type VersionRow = Selectable<ModelVersionsTable>;

const parts = (v: string) => v.split(".").map(Number) as [number, number, number];

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

export function checkModelKey(modelKey: string): void {
  if (!MODEL_KEY_PATTERN.test(modelKey)) {
    throw invalid(
      "model_key must be 1–64 characters of letters, digits, '_', '.', '-', starting with a letter or digit",
      [{ path: "model_key", message: "invalid model_key" }],
    );
  }
}

export async function getModel(db: Kysely<DB>, modelKey: string): Promise<ModelRow> {
  const row = await db.selectFrom("models").selectAll().where("model_key", "=", modelKey).executeTakeFirst();
  if (!row) throw notFound(`model ${modelKey}`);
  return row;
}

export async function listVersions(db: Kysely<DB>, modelKey: string): Promise<VersionRow[]> {
  const rows = await db.selectFrom("model_versions").selectAll().where("model_key", "=", modelKey).execute();
  return rows.sort((a, b) => compareVersions(b.version, a.version));
}

export async function getVersion(db: Kysely<DB>, modelKey: string, version: string): Promise<VersionRow> {
  const row = await db
    .selectFrom("model_versions")
    .selectAll()
    .where("model_key", "=", modelKey)
    .where("version", "=", version)
    .executeTakeFirst();
  if (!row) throw notFound(`version ${version} of model ${modelKey}`);
  return row;
}

export interface ReserveVersion {
  modelKey: string;
  version?: string | undefined;
  taskType: "classification" | "regression";
  targetField: string;
  featureFields: string[];
  hyperparameters: Record<string, unknown>;
  datasetId: string | null;
  jobId: string;
  createdBy: number | null;
  now: string;
}

/**
 * Creates the model on its first fit and a `training` version row. Without a version the minor
 * number of the highest existing one is bumped (1.0.0, 1.1.0, …); a version that exists is a 409.
 */
export async function reserveVersion(db: Kysely<DB>, r: ReserveVersion): Promise<string> {
  checkModelKey(r.modelKey);
  if (r.version !== undefined && !VERSION_PATTERN.test(r.version)) {
    throw invalid("version must be MAJOR.MINOR.PATCH, e.g. 1.2.0", [{ path: "version", message: "invalid version" }]);
  }
  return db.transaction().execute(async (trx) => {
    const model = await trx.selectFrom("models").selectAll().where("model_key", "=", r.modelKey).executeTakeFirst();
    if (!model) {
      await trx
        .insertInto("models")
        .values({
          model_key: r.modelKey,
          task_type: r.taskType,
          target_field: r.targetField,
          created_by: r.createdBy,
          created_at: r.now,
          updated_at: r.now,
        })
        .execute();
    } else if (model.task_type !== r.taskType) {
      throw conflict(`model ${r.modelKey} is a ${model.task_type} model; use another model_key for ${r.taskType}`);
    }
    const existing = await trx
      .selectFrom("model_versions")
      .select("version")
      .where("model_key", "=", r.modelKey)
      .execute();
    let version = r.version;
    if (version === undefined) {
      const highest = existing
        .map((e) => e.version)
        .sort(compareVersions)
        .at(-1);
      const [major, minor] = highest ? parts(highest) : [1, -1];
      version = `${major}.${minor + 1}.0`;
    } else if (existing.some((e) => e.version === version)) {
      throw conflict(`version ${version} of model ${r.modelKey} exists`, { model_key: r.modelKey, version });
    }
    await trx
      .insertInto("model_versions")
      .values({
        model_key: r.modelKey,
        version,
        status: "training",
        job_id: r.jobId,
        dataset_id: r.datasetId,
        feature_fields: JSON.stringify(r.featureFields),
        hyperparameters: JSON.stringify(r.hyperparameters),
        created_by: r.createdBy,
        created_at: r.now,
      })
      .execute();
    return version;
  });
}

export interface CompletedVersion {
  metrics: Record<string, unknown>;
  backend: string;
  trainRows: number;
  trainingTimeS: number;
  artifactFile: string;
  artifactSha256: string;
  now: string;
}

export async function markVersionReady(db: Kysely<DB>, modelKey: string, version: string, c: CompletedVersion) {
  await db
    .updateTable("model_versions")
    .set({
      status: "ready",
      metrics: JSON.stringify(c.metrics),
      backend: c.backend,
      train_rows: c.trainRows,
      training_time_s: c.trainingTimeS,
      artifact_file: c.artifactFile,
      artifact_sha256: c.artifactSha256,
      completed_at: c.now,
    })
    .where("model_key", "=", modelKey)
    .where("version", "=", version)
    .execute();
}

export async function markVersionFailed(db: Kysely<DB>, modelKey: string, version: string, error: string, now: string) {
  await db
    .updateTable("model_versions")
    .set({ status: "failed", error, completed_at: now })
    .where("model_key", "=", modelKey)
    .where("version", "=", version)
    .where("status", "=", "training")
    .execute();
}

/** Makes a ready version the one that serves. */
export async function setActiveVersion(db: Kysely<DB>, modelKey: string, version: string, now: string) {
  const v = await getVersion(db, modelKey, version);
  if (v.status !== "ready") {
    throw new ServiceError(409, "conflict", `version ${version} of ${modelKey} is ${v.status}, not ready`);
  }
  await db
    .updateTable("models")
    .set({ active_version: version, updated_at: now })
    .where("model_key", "=", modelKey)
    .execute();
}

/**
 * Keeps the newest `keep` ready versions and the active one; older ready versions are archived
 * and their artifacts removed. Returns the archived versions.
 */
export async function applyRetention(db: Kysely<DB>, artifactsRoot: string, modelKey: string, keep: number) {
  const model = await getModel(db, modelKey);
  const ready = (await listVersions(db, modelKey)).filter((v) => v.status === "ready");
  const archived: string[] = [];
  for (const v of ready.slice(keep)) {
    if (v.version === model.active_version) continue;
    await db
      .updateTable("model_versions")
      .set({ status: "archived", artifact_file: null })
      .where("id", "=", v.id)
      .execute();
    removeArtifact(artifactsRoot, modelKey, v.version);
    archived.push(v.version);
  }
  return archived;
}
