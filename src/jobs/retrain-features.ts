/**
 * A retrain learns from more rows than its source version did (feedback, confident
 * predictions), and inference on those rows could decide otherwise: a column left out as
 * constant varies now, a numeric column picked up a stray text cell. So a retrain fits the
 * columns its source version used, each with the kind it had there (including the
 * `feature_types` the training request named, and its dates), and leaves out what it left out.
 */
import type { FeatureSpec } from "../ml/features";
import type { TrainParams } from "./params";

/** `t` with its features and their kinds pinned to those of the source version's `spec`. */
export function pinnedToSource(t: TrainParams, spec: FeatureSpec): TrainParams {
  const kinds = Object.fromEntries(spec.features.map((f) => [f.name, f.kind]));
  return {
    ...t,
    feature_fields: spec.features.map((f) => f.name),
    feature_types: { ...kinds, ...t.feature_types },
  };
}
