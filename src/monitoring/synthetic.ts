/**
 * Synthetic rows for a model's schema (seed 004's data generator), drawn from what its feature
 * spec recorded at training: numeric features from a normal with the training mean and std,
 * booleans at the training rate, categories uniformly over the seen ones, text from a few words.
 * Drift can be injected: numeric values shifted (in training stds) and scaled around the mean,
 * and a share of categorical values replaced by a category the model never saw.
 */
import type { Feature, FeatureSpec, Row } from "../ml/features";
import { Random } from "../ml/random";

export interface DriftInjection {
  /** added to numeric features, in units of the training std (0: none) */
  shift: number;
  /** spread around the training mean is multiplied by this (1: none) */
  scale: number;
  /** share of categorical values replaced by `new_category` (0: none) */
  newCategory: number;
  /** the features drifted; empty: all */
  features: string[];
}

export const NO_DRIFT: DriftInjection = { shift: 0, scale: 1, newCategory: 0, features: [] };

const WORDS = ["alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "tango", "zulu"];

/** A standard normal draw (Box–Muller). */
function gauss(r: Random): number {
  const u = Math.max(r.nextFloat(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextFloat());
}

function value(f: Feature, r: Random, drift: DriftInjection | null): Row[string] {
  switch (f.kind) {
    case "numeric": {
      const spread = gauss(r) * f.std * (drift ? drift.scale : 1);
      return Math.fround(f.mean + spread + (drift ? drift.shift * f.std : 0));
    }
    case "boolean":
      return r.nextFloat() < f.rate;
    case "categorical":
      if (drift && r.nextFloat() < drift.newCategory) return "new_category";
      return f.categories.length ? (f.categories[r.int(f.categories.length)] as string) : "new_category";
    case "text":
      return Array.from({ length: 3 }, () => WORDS[r.int(WORDS.length)]).join(" ");
  }
}

/** `n` rows for `spec`, reproducible from `seed`. */
export function syntheticRows(spec: FeatureSpec, n: number, drift: DriftInjection, seed: number): Row[] {
  const r = new Random(seed);
  const drifted = (f: Feature) => drift.features.length === 0 || drift.features.includes(f.name);
  return Array.from({ length: n }, () =>
    Object.fromEntries(spec.features.map((f) => [f.name, value(f, r, drifted(f) ? drift : null)])),
  );
}
