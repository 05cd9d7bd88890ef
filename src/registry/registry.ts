/**
 * Models and their versions in the database: reserving a version for a fit, recording its
 * outcome, activation, rollback and retention. Artifacts themselves are in artifact.ts.
 */
import type { Kysely, Selectable } from "kysely";
import type { DB } from "../db/schema";
import type { ModelsTable, ModelVersionsTable } from "../db/tables/models";
import { clip, conflict, invalid, notFound, ServiceError } from "../errors";
import type { ArtifactStore } from "../storage/artifact-store";
import {
  CANONICAL_VERSION_PATTERN,
  canonicalVersion,
  MAX_VERSION_PART,
  MODEL_KEY_PATTERN,
  removeArtifact,
  type TargetSpec,
} from "./artifact";
import { type Actor, assertCanChangeModel, type ModelRelation } from "./ownership";

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
  if (!row) throw notFound(`model ${clip(modelKey)}`);
  return row;
}

export async function listVersions(db: Kysely<DB>, modelKey: string): Promise<VersionRow[]> {
  const rows = await db.selectFrom("model_versions").selectAll().where("model_key", "=", modelKey).execute();
  return rows.sort((a, b) => compareVersions(b.version, a.version));
}

export async function getVersion(db: Kysely<DB>, modelKey: string, name: string): Promise<VersionRow> {
  const version = canonicalVersion(name);
  const row = await db
    .selectFrom("model_versions")
    .selectAll()
    .where("model_key", "=", modelKey)
    .where("version", "=", version)
    .executeTakeFirst();
  if (!row) throw notFound(`version ${clip(version, 20)} of model ${clip(modelKey)}`);
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
  /** the fit that makes it; null for an imported artifact */
  jobId: string | null;
  createdBy: number | null;
  now: string;
  /** who asks: a new model_key makes its creator the owner; an existing model needs owner, maintainer or admin */
  actor: Actor;
  /** a target or feature set other than the active version's is refused without this (owner or admin only) */
  allowSchemaChange?: boolean | undefined;
}

/**
 * Creates the model on its first fit and a `training` version row. Without a version the minor
 * number of the highest existing one is bumped (1.0.0, 1.1.0, …); a version that exists, or a
 * bump past MAX_VERSION_PART, is a 409. Nothing is written when it throws.
 */
export async function reserveVersion(db: Kysely<DB>, asked: ReserveVersion): Promise<string> {
  checkModelKey(asked.modelKey);
  const r = asked.version === undefined ? asked : { ...asked, version: canonicalVersion(asked.version) };
  if (r.version !== undefined && !CANONICAL_VERSION_PATTERN.test(r.version)) {
    throw invalid(`version must be MAJOR.MINOR.PATCH without leading zeros, each part at most ${MAX_VERSION_PART}`, [
      { path: "version", message: "invalid version" },
    ]);
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
    } else {
      const relation = await assertCanChangeModel(trx, r.actor, r.modelKey, "train a new version of");
      await checkSchema(trx, model, r, relation);
    }
    const existing = await trx
      .selectFrom("model_versions")
      .select("version")
      .where("model_key", "=", r.modelKey)
      .execute();
    const taken = existing.map((e) => e.version);
    // numerically: a "01.00.000" stored before versions were canonical is the same as 1.0.0
    const version = r.version ?? nextVersion(r.modelKey, taken);
    if (r.version !== undefined && taken.some((t) => compareVersions(t, version) === 0)) {
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
        target_field: r.targetField,
        hyperparameters: JSON.stringify(r.hyperparameters),
        created_by: r.createdBy,
        created_at: r.now,
      })
      .execute();
    return version;
  });
}

/** The minor bump of the highest version; 409 when it would leave the canonical range. */
function nextVersion(modelKey: string, versions: string[]): string {
  const highest = versions.sort(compareVersions).at(-1);
  if (!highest) return "1.0.0";
  const [major, minor] = parts(highest);
  if (minor < MAX_VERSION_PART) return `${major}.${minor + 1}.0`;
  const hint = major < MAX_VERSION_PART ? `give a version explicitly, e.g. ${major + 1}.0.0` : "use another model_key";
  throw conflict(`model ${modelKey} has reached version ${highest}: no higher minor version is left; ${hint}`, {
    reason: "versions_exhausted",
    model_key: modelKey,
    highest,
    max_part: MAX_VERSION_PART,
  });
}

/**
 * 409 when the new version's target, task or set of features differs from the active version's
 * (its clients would start failing) unless `allowSchemaChange`, which only an owner or admin may
 * send (403 for a maintainer). A model without an active version has no clients to protect:
 * its metadata simply takes the new schema.
 */
async function checkSchema(trx: Kysely<DB>, model: ModelRow, r: ReserveVersion, relation: ModelRelation) {
  if (!model.active_version) {
    await trx
      .updateTable("models")
      .set({ target_field: r.targetField, task_type: r.taskType, updated_at: r.now })
      .where("model_key", "=", r.modelKey)
      .execute();
    return;
  }
  const active = await trx
    .selectFrom("model_versions")
    .select(["feature_fields", "target_field"])
    .where("model_key", "=", r.modelKey)
    .where("version", "=", model.active_version)
    .executeTakeFirst();
  const oldFeatures = new Set(JSON.parse(active?.feature_fields ?? "[]") as string[]);
  const newFeatures = new Set(r.featureFields);
  const changes: Record<string, unknown> = {};
  const oldTarget = active?.target_field ?? model.target_field;
  if (oldTarget !== r.targetField) changes.target_field = { old: oldTarget, new: r.targetField };
  if (model.task_type !== r.taskType) changes.task_type = { old: model.task_type, new: r.taskType };
  const added = [...newFeatures].filter((f) => !oldFeatures.has(f));
  const removed = [...oldFeatures].filter((f) => !newFeatures.has(f));
  if (added.length || removed.length) {
    changes.feature_fields = { old: [...oldFeatures], new: [...newFeatures], added, removed };
  }
  const what = Object.keys(changes);
  if (what.length === 0) return;
  const details = { reason: "schema_change", model_key: r.modelKey, active_version: model.active_version, changes };
  if (!r.allowSchemaChange) {
    throw conflict(
      `the new version of ${r.modelKey} changes its ${what.join(", ")} (active version ${model.active_version}); clients of the model would break. Send allow_schema_change: true to replace the schema (owner or admin)`,
      details,
    );
  }
  if (relation !== "owner" && relation !== "admin") {
    throw new ServiceError(
      403,
      "forbidden",
      `only the owner of model ${r.modelKey} and admins may change its schema (${what.join(", ")})`,
      { ...details, reason: "schema_change_not_allowed" },
    );
  }
}

export interface CompletedVersion {
  metrics: Record<string, unknown>;
  backend: string;
  trainRows: number;
  trainingTimeS: number;
  artifactFile: string;
  artifactSha256: string;
  now: string;
  /** per-epoch training loss and validation score (curves.ts reads them back) */
  curves?: { loss: number[]; validation_score: number[] } | undefined;
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
      curves: c.curves ? JSON.stringify(c.curves) : null,
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

/**
 * Makes a ready version the one that serves. The model's target and task follow it (`target`
 * comes from the version's verified artifact), so the metadata clients read always describes
 * what answers their predictions.
 */
export async function setActiveVersion(
  db: Kysely<DB>,
  modelKey: string,
  version: string,
  now: string,
  target: Pick<TargetSpec, "field" | "task">,
) {
  const v = await getVersion(db, modelKey, version);
  if (v.status !== "ready") {
    throw new ServiceError(409, "conflict", `version ${version} of ${modelKey} is ${v.status}, not ready`);
  }
  await db
    .updateTable("models")
    .set({ active_version: version, target_field: target.field, task_type: target.task, updated_at: now })
    .where("model_key", "=", modelKey)
    .execute();
}

/**
 * Keeps the newest `keep` ready versions, the active one and those an alias names; older ready
 * versions are archived and their artifacts removed. Returns the archived versions.
 */
export async function applyRetention(db: Kysely<DB>, artifacts: ArtifactStore, modelKey: string, keep: number) {
  const model = await getModel(db, modelKey);
  const ready = (await listVersions(db, modelKey)).filter((v) => v.status === "ready");
  const aliased = await db.selectFrom("model_aliases").select("version").where("model_key", "=", modelKey).execute();
  const kept = new Set([model.active_version, ...aliased.map((a) => a.version)]);
  const archived: string[] = [];
  for (const v of ready.slice(keep)) {
    if (kept.has(v.version)) continue;
    await archiveVersion(db, artifacts, v);
    archived.push(v.version);
  }
  return archived;
}

/**
 * Archives one version and removes its artifact: the single way a version leaves the registry
 * (retention and explicit deletion both), so its row stays for history while its file goes.
 */
export async function archiveVersion(
  db: Kysely<DB>,
  artifacts: ArtifactStore,
  v: Pick<VersionRow, "id" | "model_key" | "version">,
) {
  await db
    .updateTable("model_versions")
    .set({ status: "archived", artifact_file: null })
    .where("id", "=", v.id)
    .execute();
  await removeArtifact(artifacts, v.model_key, v.version);
}
