/**
 * Per-model monitoring settings, kept in `models.settings` (JSON):
 *   { "drift": { "psi", "js", "ks_alpha", "min_rows", "features": { "<name>": { "psi", "js", "ks_alpha" } } },
 *     "auto_retrain": true | false }
 * Every key is optional. What applies is feature over model over the global ML_DRIFT_* settings,
 * each level only where it is set, so a per-feature value never resets the model's or the
 * global ones, and one model's settings never touch another's.
 */
import type { Kysely } from "kysely";
import * as v from "valibot";
import type { Config } from "../config";
import type { DB } from "../db/schema";
import { invalid } from "../errors";
import { type Actor, assertCanChangeModel } from "../registry/ownership";
import { getModel, getVersion } from "../registry/registry";
import type { DriftOptions } from "./drift";

const Threshold = v.object({
  psi: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100))),
  js: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  ks_alpha: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
});

export const ModelSettingsBody = v.strictObject({
  drift: v.optional(
    v.strictObject({
      ...Threshold.entries,
      min_rows: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
      features: v.optional(v.record(v.pipe(v.string(), v.minLength(1)), v.strictObject(Threshold.entries))),
    }),
  ),
  auto_retrain: v.optional(v.boolean()),
});
export type ModelSettings = v.InferOutput<typeof ModelSettingsBody>;

/** A model's stored settings; anything unreadable counts as none set. */
export async function modelSettings(db: Kysely<DB>, modelKey: string): Promise<ModelSettings> {
  const model = await getModel(db, modelKey);
  const parsed = v.safeParse(ModelSettingsBody, safeJson(model.settings));
  return parsed.success ? parsed.output : {};
}

/**
 * Replaces one model's settings (PUT semantics). Feature names must be features of the
 * active version (a typo would otherwise silently never apply). Only the model's owner, its
 * maintainers and admins may (403).
 */
export async function saveModelSettings(
  db: Kysely<DB>,
  actor: Actor,
  modelKey: string,
  settings: ModelSettings,
  now: string,
): Promise<ModelSettings> {
  const model = await getModel(db, modelKey);
  await assertCanChangeModel(db, actor, modelKey, "change the settings of");
  const names = Object.keys(settings.drift?.features ?? {});
  if (names.length > 0 && model.active_version) {
    const active = await getVersion(db, modelKey, model.active_version);
    const known = new Set(JSON.parse(active.feature_fields) as string[]);
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw invalid(
        `not features of ${modelKey} ${model.active_version}: ${unknown.join(", ")}`,
        unknown.map((n) => ({ path: `drift.features.${n}`, message: "unknown feature" })),
      );
    }
  }
  await db
    .updateTable("models")
    .set({ settings: JSON.stringify(settings), updated_at: now })
    .where("model_key", "=", modelKey)
    .execute();
  return settings;
}

/** The drift options a check of this model uses: global config, then the model's settings. */
export function driftOptionsFor(config: Config, settings: ModelSettings): DriftOptions & { minRows: number } {
  const d = settings.drift ?? {};
  return {
    thresholds: {
      psi: d.psi ?? config.ML_DRIFT_PSI_THRESHOLD,
      js: d.js ?? config.ML_DRIFT_JS_THRESHOLD,
      ks_alpha: d.ks_alpha ?? config.ML_DRIFT_KS_ALPHA,
    },
    features: d.features ?? {},
    minRows: d.min_rows ?? config.ML_DRIFT_MIN_ROWS,
  };
}

export const autoRetrainFor = (config: Config, settings: ModelSettings) =>
  settings.auto_retrain ?? config.ML_AUTO_RETRAIN;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
