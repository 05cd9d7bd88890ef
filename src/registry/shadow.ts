/**
 * A model's shadow: the version one of its aliases names (usually `challenger`) receives a copy
 * of live traffic (src/monitoring/shadow-traffic.ts) so it can be judged on the rows the serving
 * version answers before it serves any. Promoting it is one action through the one activation
 * operation: the shadow's version serves, the `champion` alias moves to it, the shadow's own
 * alias is retired and the shadow ends. Starting, stopping and promoting are for the model's
 * owner, maintainers and admins.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { clip, invalid, notFound } from "../errors";
import { type ActivationDeps, activateVersion } from "./activation";
import { checkAliasName, listAliases, resolveAlias } from "./aliases";
import { type Actor, assertCanChangeModel } from "./ownership";
import { getModel } from "./registry";
import { noteShadowChange } from "./shadow-changes";

/** The alias a promoted version takes. */
export const CHAMPION = "champion";

export interface ShadowView {
  model_key: string;
  alias: string;
  /** the version the alias names now */
  version: string;
  started_by: string | null;
  started_at: string;
}

/** The model's shadow, or null when it has none. 404 unknown model. */
export async function getShadow(db: Kysely<DB>, modelKey: string): Promise<ShadowView | null> {
  await getModel(db, modelKey);
  const row = await db
    .selectFrom("model_shadows as s")
    .innerJoin("model_aliases as a", (j) => j.onRef("a.model_key", "=", "s.model_key").onRef("a.alias", "=", "s.alias"))
    .select(["s.model_key", "s.alias", "a.version", "s.started_by", "s.started_at"])
    .where("s.model_key", "=", modelKey)
    .executeTakeFirst();
  return row ?? null;
}

/** The version shadowing `modelKey` now, or null (the hot path's one read, made off the request). */
export async function shadowVersion(db: Kysely<DB>, modelKey: string): Promise<string | null> {
  const row = await db
    .selectFrom("model_shadows as s")
    .innerJoin("model_aliases as a", (j) => j.onRef("a.model_key", "=", "s.model_key").onRef("a.alias", "=", "s.alias"))
    .select("a.version")
    .where("s.model_key", "=", modelKey)
    .executeTakeFirst();
  return row?.version ?? null;
}

/**
 * Makes the version `alias` names shadow the serving one (replacing any shadow). 404 unknown
 * model or alias, 403 not allowed, 422 when the alias names the serving version (nothing to
 * compare) or the model has no serving version.
 */
export async function startShadow(
  db: Kysely<DB>,
  actor: Actor,
  s: { modelKey: string; alias: string; by: string; now: string },
): Promise<ShadowView> {
  const model = await getModel(db, s.modelKey);
  await assertCanChangeModel(db, actor, s.modelKey, "start a shadow of");
  checkAliasName(s.alias);
  const version = await resolveAlias(db, s.modelKey, s.alias);
  if (model.active_version === null) {
    throw invalid(`model ${s.modelKey} has no serving version to shadow`, { reason: "no_active_version" });
  }
  if (version === model.active_version) {
    throw invalid(`alias ${s.alias} names ${version}, the serving version: a shadow must be another version`, {
      reason: "shadow_is_active",
      alias: s.alias,
      version,
    });
  }
  const row = { alias: s.alias, started_by: s.by, started_at: s.now };
  await db
    .insertInto("model_shadows")
    .values({ model_key: s.modelKey, ...row })
    .onConflict((oc) => oc.column("model_key").doUpdateSet(row))
    .execute();
  noteShadowChange();
  return { model_key: s.modelKey, version, ...row };
}

/** Ends the shadow (its logged predictions stay). 404 unknown model or no shadow, 403 not allowed. */
export async function stopShadow(db: Kysely<DB>, actor: Actor, modelKey: string) {
  await getModel(db, modelKey);
  await assertCanChangeModel(db, actor, modelKey, "stop the shadow of");
  const gone = await db.deleteFrom("model_shadows").where("model_key", "=", modelKey).executeTakeFirst();
  noteShadowChange();
  if (Number(gone.numDeletedRows) === 0) throw notFound(`shadow of model ${clip(modelKey)}`);
  return { model_key: modelKey, stopped: true };
}

/**
 * One action: the shadow's version starts serving through `activateVersion` (same permission,
 * artifact check, atomic swap and `models:activated` event, reason "promoted"), then `champion`
 * names it, the shadow's alias is retired (unless it is `champion`) and the shadow ends. 404
 * when the model has no shadow; the activation's own errors leave everything as it was.
 */
export async function promoteShadow(deps: ActivationDeps, actor: Actor, by: string, modelKey: string) {
  const shadow = await getShadow(deps.db, modelKey);
  if (!shadow) throw notFound(`shadow of model ${clip(modelKey)}`);
  const activated = await activateVersion(deps, {
    modelKey,
    version: shadow.version,
    actor,
    by,
    reason: "promoted",
  });
  const at = deps.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    const champion = { version: shadow.version, updated_by: by, updated_at: at };
    await trx
      .insertInto("model_aliases")
      .values({ model_key: modelKey, alias: CHAMPION, ...champion })
      .onConflict((oc) => oc.columns(["model_key", "alias"]).doUpdateSet(champion))
      .execute();
    if (shadow.alias !== CHAMPION) {
      await trx
        .deleteFrom("model_aliases")
        .where("model_key", "=", modelKey)
        .where("alias", "=", shadow.alias)
        .execute();
    }
    await trx.deleteFrom("model_shadows").where("model_key", "=", modelKey).execute();
  });
  noteShadowChange();
  return { ...activated, promoted_from_alias: shadow.alias, aliases: await listAliases(deps.db, modelKey) };
}
