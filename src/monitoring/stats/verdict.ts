/**
 * Thresholds, per-feature judgement and the model-level verdict of a drift check (see
 * ../drift.ts for how the statistics are computed). Thresholds merge per feature over the
 * model's over DEFAULT_THRESHOLDS into a fresh object; no input is ever modified.
 */
import type { Baseline } from "../baseline";
import { jsDivergence, psi } from "./divergence";

export interface DriftThresholds {
  /** PSI above which a feature drifts (ML_DRIFT_PSI_THRESHOLD) */
  psi: number;
  /** JS divergence, base 2, above which a feature drifts (ML_DRIFT_JS_THRESHOLD) */
  js: number;
  /** KS p-value below which a numeric feature drifts (ML_DRIFT_KS_ALPHA); 0 turns KS off */
  ks_alpha: number;
}

export const DEFAULT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({ psi: 0.1, js: 0.2, ks_alpha: 0.01 });
export const DEFAULT_MIN_ROWS = 100;

export interface DriftOptions {
  /** the model's thresholds, over DEFAULT_THRESHOLDS */
  thresholds?: Partial<DriftThresholds>;
  /** per-feature thresholds, over the model's; neither object is ever modified */
  features?: Record<string, Partial<DriftThresholds>>;
  /** fewest current rows to decide on (ML_DRIFT_MIN_ROWS, default 100); also per feature */
  minRows?: number;
}

export interface FeatureDrift {
  feature: string;
  kind: "numeric" | "categorical";
  psi: number | null;
  js: number | null;
  js_distance: number | null;
  ks_stat?: number;
  ks_pvalue?: number;
  ks_method?: "exact" | "asymp";
  /** training values behind the reference bins */
  n_reference: number;
  /** reference sample size that KS used */
  n_reference_ks?: number;
  /** current values counted (missing excluded) */
  n_current: number;
  missing_current: number;
  thresholds: DriftThresholds;
  /** null: not decided for this feature (see reasons) */
  drifted: boolean | null;
  reasons: string[];
}

export interface DriftVerdict {
  drifted: boolean | null;
  decided: boolean;
  reason: string;
  drifted_features: string[];
  /** drifted features / features in the baseline */
  share_drifted: number;
}

export interface DriftReport extends DriftVerdict {
  rows: number;
  min_rows: number;
  features: FeatureDrift[];
}

/** A column of current values; typed arrays are counted without copying. */
/** Per-feature over model over defaults; undefined entries do not reset a level below. */
export function effectiveThresholds(options: DriftOptions, feature: string): DriftThresholds {
  const out: DriftThresholds = { ...DEFAULT_THRESHOLDS };
  for (const layer of [options.thresholds, options.features?.[feature]]) {
    for (const key of ["psi", "js", "ks_alpha"] as const) {
      const v = layer?.[key];
      if (v === undefined) continue;
      if (typeof v !== "number" || !(v >= 0)) throw new Error(`threshold ${key} for "${feature}" must be a number ≥ 0`);
      out[key] = v;
    }
  }
  return out;
}

export function judge(
  out: FeatureDrift,
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  minRows: number,
): FeatureDrift {
  out.psi = psi(expected, actual);
  out.js = jsDivergence(expected, actual);
  out.js_distance = Math.sqrt(out.js);
  if (out.n_current < minRows) return undecided(out, `too few values: ${out.n_current} < ${minRows}`);
  const t = out.thresholds;
  if (out.psi > t.psi) out.reasons.push(`psi ${fmt(out.psi)} > ${t.psi}`);
  if (out.js > t.js) out.reasons.push(`js ${fmt(out.js)} > ${t.js}`);
  if (out.ks_pvalue !== undefined && out.ks_pvalue < t.ks_alpha)
    out.reasons.push(`ks p ${fmt(out.ks_pvalue)} < ${t.ks_alpha}`);
  out.drifted = out.reasons.length > 0;
  return out;
}

export function verdict(
  baseline: Baseline | null | undefined,
  features: FeatureDrift[],
  rows: number,
  minRows: number,
): DriftVerdict {
  const undecidedVerdict = (reason: string): DriftVerdict => ({
    drifted: null,
    decided: false,
    reason,
    drifted_features: [],
    share_drifted: 0,
  });
  if (!baseline) return undecidedVerdict("no baseline");
  if (features.length === 0) return undecidedVerdict("baseline has no features");
  if (rows < minRows) return undecidedVerdict(`too few rows: ${rows} < ${minRows}`);
  const drifted = features.filter((f) => f.drifted === true).map((f) => f.feature);
  const open = features.filter((f) => f.drifted === null).map((f) => `${f.feature} (${f.reasons.join("; ")})`);
  const share = drifted.length / features.length;
  const openNote = open.length > 0 ? `; undecided: ${open.join(", ")}` : "";
  if (drifted.length > 0) {
    const reason = `${drifted.length} of ${features.length} features drifted: ${drifted.join(", ")}${openNote}`;
    return { drifted: true, decided: true, reason, drifted_features: drifted, share_drifted: share };
  }
  if (open.length > 0) return undecidedVerdict(`no drift among decided features${openNote}`);
  return { drifted: false, decided: true, reason: "no feature drifted", drifted_features: [], share_drifted: 0 };
}

export function emptyResult(
  feature: string,
  kind: FeatureDrift["kind"],
  nRef: number,
  t: DriftThresholds,
): FeatureDrift {
  return {
    feature,
    kind,
    psi: null,
    js: null,
    js_distance: null,
    n_reference: nRef,
    n_current: 0,
    missing_current: 0,
    thresholds: t,
    drifted: null,
    reasons: [],
  };
}

export function undecided(out: FeatureDrift, reason: string): FeatureDrift {
  out.drifted = null;
  out.reasons = [reason];
  return out;
}

function fmt(x: number): string {
  return x < 1e-3 ? x.toExponential(2) : x.toFixed(4);
}
