/**
 * Deleting one version on request (seed 002's `DELETE /api/ml/v1/artifacts/{id}`). It goes the
 * way retention removes versions (archived row, artifact file removed), so history, the
 * dashboard and the artifact store agree whichever removed it.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { clip, conflict, notFound } from "../errors";
import { type ArtifactsConfig, artifactStore } from "../storage/open";
import { aliasedVersions } from "./aliases";
import { type Actor, assertCanChangeModel } from "./ownership";
import { archiveVersion, getModel, getVersion } from "./registry";

/**
 * Archives `version` of `modelKey` and removes its artifact. 404 unknown or already deleted, 403
 * unless owner, maintainer or admin, 409 while it serves, trains or an alias names it.
 */
export async function deleteVersion(
  deps: { db: Kysely<DB>; config: ArtifactsConfig },
  actor: Actor,
  modelKey: string,
  name: string,
): Promise<{ model_key: string; version: string }> {
  const { db } = deps;
  await getModel(db, modelKey);
  await assertCanChangeModel(db, actor, modelKey, "delete a version of");
  return db.transaction().execute(async (trx) => {
    const model = await getModel(trx, modelKey);
    const v = await getVersion(trx, modelKey, name);
    if (v.status === "archived") throw notFound(`version ${clip(v.version, 20)} of model ${clip(modelKey)}`);
    if (v.status === "training") throw conflict(`version ${v.version} of ${modelKey} is still training`);
    if (model.active_version === v.version) {
      throw conflict(`version ${v.version} of ${modelKey} is the active one: activate another version first`);
    }
    if ((await aliasedVersions(trx, modelKey)).has(v.version)) {
      throw conflict(`an alias of ${modelKey} names version ${v.version}: move or delete the alias first`);
    }
    await archiveVersion(trx, artifactStore(deps.config), v);
    return { model_key: modelKey, version: v.version };
  });
}
