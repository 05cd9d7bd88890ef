/**
 * Client feedback: the true label of a logged prediction, or labelled rows of features. Labels
 * are checked against the model: one of its classes for classification (compared as strings,
 * stored as the class itself so that "1" and 1 train as the same class), a finite number for
 * regression. Anything else, or an unknown prediction id, is a 422 naming the item.
 *
 * A label for a logged prediction must land on the prediction its sender meant: the request may
 * name the model (and version) it expects, and a prediction made by another one is a 409 with
 * nothing stored. A prediction the sender may not see (another user's; admins see all) reads as
 * unknown, so an id reveals nothing.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { conflict, invalid } from "../errors";
import type { Row } from "../ml/features";
import type { Label } from "../ml/model";
import { type Actor, canSeeOwnRecord } from "../registry/ownership";
import type { ModelCache } from "../registry/serving";

type Issue = { path: string; message: string };

export type FeedbackInput =
  | { prediction_id: number; label: unknown; model_key?: string | undefined; version?: string | undefined }
  | { model_key: string; items: Row[] };

export interface FeedbackDeps {
  db: Kysely<DB>;
  models: ModelCache;
  now: () => Date;
}

/** A label the model can have (one of its classes, or a finite number for regression), or the issue naming `path`. */
export function checkLabel(
  classes: Label[] | undefined,
  label: unknown,
  path: string,
): { label?: unknown; issue?: Issue } {
  if (!classes) {
    return typeof label === "number" && Number.isFinite(label)
      ? { label }
      : { issue: { path, message: "a regression label must be a finite number" } };
  }
  const match = classes.find((c) => String(c) === String(label));
  return match !== undefined && label !== null && typeof label !== "object"
    ? { label: match }
    : { issue: { path, message: `not a class of the model (${classes.map(String).join(", ")})` } };
}

/** 409 when the logged prediction was made by another model or version than the request names. */
function checkNamedModel(
  logged: { id: number; model_key: string; version: string },
  input: { model_key?: string | undefined; version?: string | undefined },
): void {
  if (input.model_key !== undefined && input.model_key !== logged.model_key) {
    // the other model's key is not named: the prediction may be another user's
    throw conflict(`prediction ${logged.id} was not made by model ${input.model_key}; nothing was stored`, [
      { path: "model_key", message: "the prediction belongs to another model" },
    ]);
  }
  if (input.version !== undefined && input.version !== logged.version) {
    throw conflict(
      `prediction ${logged.id} was made by version ${logged.version} of ${logged.model_key}, not ${input.version}; nothing was stored`,
      [{ path: "version", message: `the prediction belongs to version ${logged.version}` }],
    );
  }
}

/** Stores labels; `actor` is who sends them (a prediction they may not see is unknown to them). */
export async function saveFeedback(deps: FeedbackDeps, input: FeedbackInput, by: string, actor: Actor) {
  const now = deps.now().toISOString();
  if ("prediction_id" in input) {
    const logged = await deps.db
      .selectFrom("predictions")
      .select(["id", "model_key", "version", "created_by"])
      .where("id", "=", input.prediction_id)
      .executeTakeFirst();
    if (!logged || !canSeeOwnRecord(actor, logged.created_by)) {
      throw invalid(`prediction ${input.prediction_id} is not in the prediction log`, [
        { path: "prediction_id", message: "unknown prediction id" },
      ]);
    }
    checkNamedModel(logged, input);
    const version = await deps.models.load(logged.model_key, logged.version);
    const checked = checkLabel(version.artifact.model.classes, input.label, "label");
    if (checked.issue) throw invalid(`label: ${checked.issue.message}`, [checked.issue]);
    const row = await deps.db
      .insertInto("feedback")
      .values({
        prediction_id: logged.id,
        model_key: logged.model_key,
        version: logged.version,
        input: null,
        label: JSON.stringify(checked.label),
        created_at: now,
        created_by: by,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { model_key: logged.model_key, ids: [row.id] };
  }

  const active = await deps.models.active(input.model_key);
  const { spec, target, model } = active.artifact;
  const issues: Issue[] = [];
  const values = input.items.map((item, i) => {
    const missing = spec.features.filter((f) => !(f.name in item)).map((f) => f.name);
    if (missing.length) issues.push({ path: `items.${i}`, message: `missing features: ${missing.join(", ")}` });
    if (!(target.field in item)) issues.push({ path: `items.${i}.${target.field}`, message: "the label is missing" });
    const checked = checkLabel(model.classes, item[target.field], `items.${i}.${target.field}`);
    if (checked.issue && target.field in item) issues.push(checked.issue);
    const features = Object.fromEntries(spec.features.map((f) => [f.name, item[f.name] ?? null]));
    return {
      prediction_id: null,
      model_key: input.model_key,
      version: active.version,
      input: JSON.stringify(features),
      label: JSON.stringify(checked.label ?? null),
      created_at: now,
      created_by: by,
    };
  });
  if (issues.length) throw invalid(`${issues[0]?.path}: ${issues[0]?.message}`, issues.slice(0, 100));
  const ids: number[] = [];
  await deps.db.transaction().execute(async (trx) => {
    for (const v of values)
      ids.push((await trx.insertInto("feedback").values(v).returning("id").executeTakeFirstOrThrow()).id);
  });
  return { model_key: input.model_key, ids };
}
