/**
 * Whether a drift baseline read from a file the service did not write (an imported artifact)
 * holds what the drift checks read (src/monitoring/drift.ts): per feature its bins, shares and
 * sample as finite numbers of consistent lengths. Without this, a bad baseline would surface
 * only at the next night's check, as an error on a model that imported "fine".
 */
import type { ModelProblem } from "../ml/model-check";

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const numbers = (x: unknown): x is number[] =>
  Array.isArray(x) && x.every((v) => typeof v === "number" && Number.isFinite(v));
const counts = (b: Record<string, unknown>) =>
  [b.count, b.missing].every((v) => Number.isSafeInteger(v) && (v as number) >= 0);

function featureProblem(b: unknown): string | null {
  if (!isObject(b)) return "not an object";
  if (!counts(b)) return "count and missing must be whole numbers";
  if (b.kind === "numeric") {
    if (!numbers(b.edges) || b.edges.some((e, i) => i > 0 && e <= ((b.edges as number[])[i - 1] as number)))
      return "edges must be increasing finite numbers";
    if (!numbers(b.proportions) || b.proportions.length !== b.edges.length + 1)
      return "proportions must be one more than the edges";
    if (!numbers(b.sample)) return "sample must be finite numbers";
    if (![b.mean, b.std, b.min, b.max].every((v) => typeof v === "number" && Number.isFinite(v)))
      return "mean, std, min and max must be finite numbers";
    return null;
  }
  if (b.kind === "categorical") {
    if (!Array.isArray(b.categories) || !b.categories.every((c) => typeof c === "string"))
      return "categories must be strings";
    if (!numbers(b.proportions) || b.proportions.length !== b.categories.length + 1)
      return "proportions must be one more than the categories";
    return null;
  }
  return `unknown kind ${JSON.stringify(b.kind)}`;
}

/** What makes `baseline` unusable for drift checks (empty: usable, or absent). */
export function baselineProblems(baseline: unknown): ModelProblem[] {
  if (baseline === undefined || baseline === null) return [];
  if (!isObject(baseline) || baseline.version !== 1 || !isObject(baseline.features))
    return [{ path: "baseline", message: "not a version 1 baseline with features" }];
  const out: ModelProblem[] = [];
  for (const [name, b] of Object.entries(baseline.features)) {
    const problem = featureProblem(b);
    if (problem) out.push({ path: `baseline.features.${name}`, message: problem });
  }
  return out;
}
