/**
 * Named aliases per model (`champion`, `challenger`, any name valid as a model key): each names
 * one ready version. `/predict` takes one (`"alias": "challenger"` or `"model_key":
 * "iris@challenger"`), a shadow follows one (shadow.ts), and retention keeps the versions they
 * name. Setting, moving and deleting an alias is for the model's owner, maintainers and admins.
 *
 * ```ts
 * await setAlias(db, actor, { modelKey: "iris", alias: "challenger", version: "1.2.0", by: "olivia", now });
 * const version = await resolveAlias(db, "iris", "challenger"); // "1.2.0"
 * ```
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { clip, invalid, notFound } from "../errors";
import { MODEL_KEY_PATTERN, VERSION_PATTERN } from "./artifact";
import { type Actor, assertCanChangeModel } from "./ownership";
import { getModel, getVersion } from "./registry";
import { noteShadowChange } from "./shadow-changes";

export interface AliasView {
  alias: string;
  version: string;
  updated_by: string | null;
  updated_at: string;
}

/** 422 unless `alias` is a valid model key that does not read as a version (`1.0.0`). */
export function checkAliasName(alias: string): void {
  if (!MODEL_KEY_PATTERN.test(alias) || VERSION_PATTERN.test(alias)) {
    throw invalid(
      "an alias must be 1–64 characters of letters, digits, '_', '.', '-', starting with a letter or digit, and not a version number",
      [{ path: "alias", message: "invalid alias" }],
    );
  }
}

/** The model's aliases by name. 404 unknown model. */
export async function listAliases(db: Kysely<DB>, modelKey: string): Promise<AliasView[]> {
  await getModel(db, modelKey);
  return db
    .selectFrom("model_aliases")
    .select(["alias", "version", "updated_by", "updated_at"])
    .where("model_key", "=", modelKey)
    .orderBy("alias")
    .execute();
}

/** The version an alias names: 404 when the model or the alias is unknown. */
export async function resolveAlias(db: Kysely<DB>, modelKey: string, alias: string): Promise<string> {
  const row = await db
    .selectFrom("model_aliases")
    .select("version")
    .where("model_key", "=", modelKey)
    .where("alias", "=", alias)
    .executeTakeFirst();
  if (row) return row.version;
  await getModel(db, modelKey);
  throw notFound(`alias ${clip(alias)} of model ${clip(modelKey)}`);
}

export interface SetAlias {
  modelKey: string;
  alias: string;
  version: string;
  /** who, as recorded beside the alias */
  by: string;
  now: string;
}

/**
 * Points `alias` at a ready version (creating or moving it). 404 unknown model or version, 403
 * when `actor` may not change the model, 422 for an invalid name or a version that is not ready
 * (failed, still training, archived): nothing changes then.
 */
export async function setAlias(
  db: Kysely<DB>,
  actor: Actor,
  s: SetAlias,
): Promise<AliasView & { model_key: string; previous_version: string | null }> {
  await getModel(db, s.modelKey);
  await assertCanChangeModel(db, actor, s.modelKey, "set an alias of");
  checkAliasName(s.alias);
  const version = await getVersion(db, s.modelKey, s.version);
  if (version.status !== "ready") {
    throw invalid(
      `version ${version.version} of ${s.modelKey} is ${version.status}: an alias must name a ready version`,
      {
        reason: "version_not_ready",
        model_key: s.modelKey,
        version: version.version,
        status: version.status,
      },
    );
  }
  const set = await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("model_aliases")
      .select("version")
      .where("model_key", "=", s.modelKey)
      .where("alias", "=", s.alias)
      .executeTakeFirst();
    const row = { version: version.version, updated_by: s.by, updated_at: s.now };
    await trx
      .insertInto("model_aliases")
      .values({ model_key: s.modelKey, alias: s.alias, ...row })
      .onConflict((oc) => oc.columns(["model_key", "alias"]).doUpdateSet(row))
      .execute();
    return { model_key: s.modelKey, alias: s.alias, previous_version: before?.version ?? null, ...row };
  });
  noteShadowChange();
  return set;
}

/**
 * Removes an alias; a shadow that followed it stops with it. 404 unknown model or alias, 403
 * when `actor` may not change the model.
 */
export async function deleteAlias(db: Kysely<DB>, actor: Actor, modelKey: string, alias: string) {
  await getModel(db, modelKey);
  await assertCanChangeModel(db, actor, modelKey, "delete an alias of");
  const deleted = await db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom("model_aliases")
      .where("model_key", "=", modelKey)
      .where("alias", "=", alias)
      .executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) throw notFound(`alias ${clip(alias)} of model ${clip(modelKey)}`);
    const shadow = await trx
      .deleteFrom("model_shadows")
      .where("model_key", "=", modelKey)
      .where("alias", "=", alias)
      .executeTakeFirst();
    return { model_key: modelKey, alias, deleted: true, shadow_stopped: Number(shadow.numDeletedRows) > 0 };
  });
  noteShadowChange();
  return deleted;
}

/** The versions some alias names (retention keeps them). */
export async function aliasedVersions(db: Kysely<DB>, modelKey: string): Promise<Set<string>> {
  const rows = await db.selectFrom("model_aliases").select("version").where("model_key", "=", modelKey).execute();
  return new Set(rows.map((r) => r.version));
}

/** What `/predict` names: `model_key`, optionally `key@alias`, an `alias` or a `version`. */
export interface PredictionTargetInput {
  model_key: string;
  version?: string | undefined;
  alias?: string | undefined;
}

/**
 * Splits `model_key@alias` (model keys never contain '@') and resolves the alias to its version.
 * 422 when two of version, alias and `@alias` disagree or both a version and an alias are given;
 * 404 unknown alias. `version` undefined: the serving version answers.
 */
export async function predictionTarget(
  db: Kysely<DB>,
  input: PredictionTargetInput,
): Promise<{ modelKey: string; version: string | undefined; alias: string | undefined }> {
  const at = input.model_key.indexOf("@");
  const modelKey = at < 0 ? input.model_key : input.model_key.slice(0, at);
  const suffix = at < 0 ? undefined : input.model_key.slice(at + 1);
  if (suffix !== undefined && input.alias !== undefined && suffix !== input.alias) {
    throw invalid(`model_key names alias ${clip(suffix)} but alias is ${clip(input.alias)}`, [
      { path: "alias", message: "disagrees with model_key@alias" },
    ]);
  }
  const alias = input.alias ?? suffix;
  if (alias === undefined) return { modelKey, version: input.version, alias: undefined };
  if (input.version !== undefined) {
    throw invalid("give a version or an alias, not both", [{ path: "version", message: "not with an alias" }]);
  }
  return { modelKey, version: await resolveAlias(db, modelKey, alias), alias };
}
