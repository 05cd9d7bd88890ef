/**
 * Rolling a model back (or forward) to one of its ready versions: the one operation behind
 * `POST /models/{key}/rollback/{version}` and the dashboard's rollback form, so both check the
 * same permission (owner, maintainers, admins) before anything changes.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { EventBus } from "../events/bus";
import { recordRollback } from "../monitoring/reports";
import { type Actor, assertCanChangeModel } from "./ownership";
import { getModel, setActiveVersion } from "./registry";
import type { ModelCache } from "./serving";

declare module "../events/bus" {
  interface BusEvents {
    "models:rolled_back": { model_key: string; from: string | null; to: string; by: string };
  }
}

export interface RollbackDeps {
  db: Kysely<DB>;
  models: ModelCache;
  bus?: EventBus | undefined;
  now: () => Date;
}

/**
 * 404 unknown model or version, 403 when `actor` may not change the model, 409 when the version
 * is not ready. The artifact is loaded and verified first: a broken one fails here and the
 * serving version stays. `by` names the actor in the rollback record.
 */
export async function rollbackModel(deps: RollbackDeps, actor: Actor, by: string, modelKey: string, version: string) {
  const { db } = deps;
  await getModel(db, modelKey); // the 404 comes before the permission check, with the key clipped
  await assertCanChangeModel(db, actor, modelKey, "roll back");
  const loaded = await deps.models.load(modelKey, version);
  // read after the load: the version this switch replaces, even if another switch ran meanwhile
  const from = (await getModel(db, modelKey)).active_version;
  const at = deps.now().toISOString();
  await setActiveVersion(db, modelKey, version, at, loaded.artifact.target);
  deps.models.swap(loaded);
  await recordRollback(db, { modelKey, from, to: version, by, at });
  deps.bus?.publish("models:rolled_back", { model_key: modelKey, from, to: version, by });
  return { model_key: modelKey, previous_version: from, active_version: version, status: "rolled_back" as const };
}
