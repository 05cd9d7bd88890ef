/**
 * How a shadow compares with the serving version on the same rows: each shadow prediction was
 * logged beside the live answer to the same row (shadow-traffic.ts), so agreement needs no
 * join. Where a client sent feedback for the live prediction (its true label), both answers
 * are scored on those rows: accuracy for classification, mean absolute error for regression.
 * The latest MAX_ROWS rows of the version are read.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { getModel } from "../registry/registry";
import { getShadow } from "../registry/shadow";

export const MAX_ROWS = 10_000;

export interface ShadowScore {
  /** accuracy (classification) or mae (regression) */
  metric: "accuracy" | "mae";
  /** rows with a label */
  rows: number;
  live: number | null;
  shadow: number | null;
}

export interface ShadowComparison {
  model_key: string;
  /** the shadow version compared (the current shadow's, unless one was asked for) */
  version: string | null;
  /** the versions that answered those rows */
  live_versions: string[];
  rows: number;
  /** share of rows where both gave the same class (classification only) */
  agreement: number | null;
  /** mean |shadow − live| (regression only) */
  mean_abs_difference: number | null;
  labelled: ShadowScore;
}

const same = (a: unknown, b: unknown) => String(a) === String(b);

/** 404 unknown model. With no version and no shadow, an empty comparison. */
export async function shadowComparison(db: Kysely<DB>, modelKey: string, version?: string): Promise<ShadowComparison> {
  const model = await getModel(db, modelKey);
  const v = version ?? (await getShadow(db, modelKey))?.version ?? null;
  const classification = model.task_type === "classification";
  const metric = classification ? "accuracy" : "mae";
  const empty: ShadowComparison = {
    model_key: modelKey,
    version: v,
    live_versions: [],
    rows: 0,
    agreement: null,
    mean_abs_difference: null,
    labelled: { metric, rows: 0, live: null, shadow: null },
  };
  if (v === null) return empty;
  const rows = await db
    .selectFrom("shadow_predictions as s")
    .select((eb) => [
      "s.live_version",
      "s.prediction",
      "s.live_prediction",
      eb
        .selectFrom("feedback as f")
        .select("f.label")
        .whereRef("f.prediction_id", "=", "s.prediction_id")
        .orderBy("f.id", "desc")
        .limit(1)
        .as("label"),
    ])
    .where("s.model_key", "=", modelKey)
    .where("s.version", "=", v)
    .orderBy("s.id", "desc")
    .limit(MAX_ROWS)
    .execute();
  if (rows.length === 0) return empty;
  const pairs = rows.map((r) => ({
    shadow: JSON.parse(r.prediction) as unknown,
    live: JSON.parse(r.live_prediction) as unknown,
    label: r.label === null ? undefined : (JSON.parse(r.label) as unknown),
  }));
  const labelled = pairs.filter((p) => p.label !== undefined);
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length);
  const score = (pick: (p: (typeof pairs)[number]) => unknown) =>
    classification
      ? mean(labelled.map((p) => (same(pick(p), p.label) ? 1 : 0)))
      : mean(labelled.map((p) => Math.abs(Number(pick(p)) - Number(p.label))));
  return {
    ...empty,
    live_versions: [...new Set(rows.map((r) => r.live_version))].sort(),
    rows: rows.length,
    agreement: classification ? mean(pairs.map((p) => (same(p.shadow, p.live) ? 1 : 0))) : null,
    mean_abs_difference: classification ? null : mean(pairs.map((p) => Math.abs(Number(p.shadow) - Number(p.live)))),
    labelled: { metric, rows: labelled.length, live: score((p) => p.live), shadow: score((p) => p.shadow) },
  };
}
