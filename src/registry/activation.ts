/**
 * The one way a version starts serving. A train job, a retrain that beat its source version, a
 * rollback from the API or the dashboard, an import and the promotion of a shadow all call
 * `activateVersion`, so every switch checks the
 * same permission, verifies the artifact before anything changes, moves the model's metadata with
 * the version, swaps the in-memory model atomically, and publishes the same `models:*` events.
 */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import type { DB } from "../db/schema";
import type { EventBus } from "../events/bus";
import { recordRollback } from "../monitoring/reports";
import { type ArtifactsConfig, artifactStore } from "../storage/open";
import { canonicalVersion } from "./artifact";
import { type Actor, assertCanChangeModel } from "./ownership";
import { applyRetention, getModel, getVersion, setActiveVersion } from "./registry";
import type { ModelCache } from "./serving";

/**
 * Why a version starts serving: a fresh fit, a retrain that passed its comparison, an imported
 * artifact, or a person's choice (a rollback, or promoting the shadow compared on live traffic).
 */
export type ActivationReason = "trained" | "retrained" | "imported" | "rollback" | "promoted";

declare module "../events/bus" {
  interface BusEvents {
    /** every switch, whatever its reason (the dashboard refreshes on `models:*`) */
    "models:activated": {
      model_key: string;
      version: string;
      previous_version: string | null;
      reason: ActivationReason;
      by: string;
    };
    /** the serving version's metrics changed (forwarded to /ws clients, as seed 000 lists it) */
    "models:metrics_updated": { model_key: string; version: string; metrics: unknown; active: boolean };
  }
}

/** What a 403 says was refused, per reason. */
const REFUSED_ACTION: Record<ActivationReason, string> = {
  trained: "activate a version of",
  retrained: "activate a version of",
  imported: "activate a version of",
  rollback: "roll back",
  promoted: "promote the shadow of",
};

export interface ActivationDeps {
  db: Kysely<DB>;
  models: ModelCache;
  bus: EventBus;
  now: () => Date;
  /** where archived versions' artifacts are removed from, and how many ready versions a fit keeps */
  config: ArtifactsConfig & Pick<Config, "ML_MODEL_RETENTION">;
}

export interface Activation {
  modelKey: string;
  version: string;
  /** must be the model's owner, a maintainer or an admin (jobs act as SYSTEM: they were checked when queued) */
  actor: Actor;
  /** who, in the rollback record and the event: a username, or the job that activates */
  by: string;
  reason: ActivationReason;
}

export interface Activated {
  model_key: string;
  previous_version: string | null;
  active_version: string;
  reason: ActivationReason;
}

/**
 * 404 unknown model or version, 403 when `actor` may not change the model, 409 when the version
 * is not ready, 503 when its artifact is missing or fails its sha256 check: in every case the
 * serving version stays. A rollback is recorded in `rollbacks`; a new version (trained or
 * retrained) pushes the oldest ready versions out (ML_MODEL_RETENTION), a rollback or a
 * promotion archives nothing.
 */
export async function activateVersion(deps: ActivationDeps, a: Activation): Promise<Activated> {
  const { db } = deps;
  await getModel(db, a.modelKey); // the 404 comes before the permission check
  await assertCanChangeModel(db, a.actor, a.modelKey, REFUSED_ACTION[a.reason]);
  const loaded = await deps.models.load(a.modelKey, a.version);
  // read after the load: the version this switch replaces, even if another switch ran meanwhile
  const from = (await getModel(db, a.modelKey)).active_version;
  const at = deps.now().toISOString();
  await setActiveVersion(db, a.modelKey, a.version, at, loaded.artifact.target);
  deps.models.swap(loaded);
  if (a.reason === "rollback") {
    await recordRollback(db, { modelKey: a.modelKey, from, to: a.version, by: a.by, at });
  } else if (a.reason !== "promoted") {
    await applyRetention(db, artifactStore(deps.config), a.modelKey, deps.config.ML_MODEL_RETENTION);
  }
  const row = await getVersion(db, a.modelKey, a.version);
  const metrics = row.metrics === null ? null : JSON.parse(row.metrics);
  deps.bus.publish("models:activated", {
    model_key: a.modelKey,
    version: a.version,
    previous_version: from,
    reason: a.reason,
    by: a.by,
  });
  deps.bus.publish("models:metrics_updated", { model_key: a.modelKey, version: a.version, metrics, active: true });
  return { model_key: a.modelKey, previous_version: from, active_version: a.version, reason: a.reason };
}

/**
 * `POST /models/{key}/rollback/{version}` and the dashboard's rollback form: a person makes one
 * of a model's ready versions serve again. Answers in the shape the API has always returned.
 */
export async function rollbackModel(deps: ActivationDeps, actor: Actor, by: string, modelKey: string, version: string) {
  const done = await activateVersion(deps, {
    modelKey,
    version: canonicalVersion(version),
    actor,
    by,
    reason: "rollback",
  });
  return {
    model_key: done.model_key,
    previous_version: done.previous_version,
    active_version: done.active_version,
    status: "rolled_back" as const,
  };
}
