/**
 * Thresholds, per-feature decisions and the model-level verdict of a drift check (see
 * ../drift.ts for how the statistics are computed). Thresholds merge per feature over the
 * model's over DEFAULT_THRESHOLDS into a fresh object; no input is ever modified.
 *
 * The decision rule, chosen so that it holds at every sample size:
 *   a feature DRIFTS when the change is statistically real AND large enough to matter.
 *   - real: its test (KS for numeric, χ² of homogeneity for categorical) rejects at the level
 *     `ks_alpha` after Holm's correction over the features tested in this check, so that a
 *     check of 32 unchanged features alarms in at most `ks_alpha` of checks, at any size;
 *   - matters: PSI ≥ max(psi threshold, PSI noise floor) or JS ≥ max(js threshold, JS noise
 *     floor). The floor is what PSI reaches by chance alone in 99% of checks of this size
 *     (noise.ts), so a few dozen rows cannot alarm on noise in the bins, and a real but
 *     immaterial shift on millions of rows (KS detects 0.02σ there; PSI ≈ 0.0004) stays quiet.
 *   `ks_alpha` 0 switches the test off: the effect size alone decides.
 * "Undecided" is left for checks the data cannot answer: fewer values than `minRows` (30 by
 * default, the least a test and the bins can say anything on), no baseline, a feature missing
 * from the current data or without reference values. Each says why in `reasons`.
 */
import type { Baseline } from "../baseline";

export interface DriftThresholds {
  /** PSI from which a feature's change is large enough to matter (ML_DRIFT_PSI_THRESHOLD) */
  psi: number;
  /** JS divergence, base 2, from which a change is large enough to matter (ML_DRIFT_JS_THRESHOLD) */
  js: number;
  /** level of the per-feature test (KS or χ²), Holm-corrected over features (ML_DRIFT_KS_ALPHA); 0 turns the test off */
  ks_alpha: number;
}

export const DEFAULT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({ psi: 0.1, js: 0.2, ks_alpha: 0.01 });
/** fewest current values a feature is decided on (ML_DRIFT_MIN_ROWS) */
export const DEFAULT_MIN_ROWS = 30;

export interface DriftOptions {
  /** the model's thresholds, over DEFAULT_THRESHOLDS */
  thresholds?: Partial<DriftThresholds>;
  /** per-feature thresholds, over the model's; neither object is ever modified */
  features?: Record<string, Partial<DriftThresholds>>;
  /** fewest current values to decide a feature on (ML_DRIFT_MIN_ROWS, default 30) */
  minRows?: number;
}

/** Reference against current shares of each bin (numeric: between interior `edges`) or category. */
export interface Histogram {
  /** numeric: interior bin edges (outer bins reach to ±∞) */
  edges?: number[];
  /** categorical: the categories, then "(other)" */
  labels?: string[];
  reference: number[];
  current: number[];
}

export interface CategoryShare {
  category: string;
  reference: number;
  current: number;
  /** current − reference, in shares (0.2 = 20 percentage points) */
  change: number;
}

export interface FeatureDrift {
  feature: string;
  kind: "numeric" | "categorical";
  psi: number | null;
  js: number | null;
  js_distance: number | null;
  /** what PSI and JS reach by chance alone at these sample sizes (99%) */
  psi_floor: number | null;
  js_floor: number | null;
  /** the test that says whether the change is real */
  test?: "ks" | "chi2";
  /** its p-value, and the Holm-adjusted one compared with ks_alpha */
  p_value?: number;
  p_holm?: number;
  ks_stat?: number;
  ks_pvalue?: number;
  ks_method?: "exact" | "asymp";
  chi2_stat?: number;
  chi2_df?: number;
  /** training values behind the reference bins */
  n_reference: number;
  /** reference sample size that KS used */
  n_reference_ks?: number;
  /** current values counted (missing excluded) */
  n_current: number;
  missing_current: number;
  /** missing share of values, training and current; change = current − reference */
  missing_rate_reference: number | null;
  missing_rate_current: number | null;
  missing_rate_change: number | null;
  /** numeric: means and population standard deviations; shift in reference standard deviations */
  mean_reference?: number;
  mean_current?: number | null;
  std_reference?: number;
  std_current?: number | null;
  mean_shift_sd?: number | null;
  std_ratio?: number | null;
  /** categorical: the largest share changes first (at most 20) */
  category_shares?: CategoryShare[];
  histogram: Histogram | null;
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

/**
 * Holm's step-down adjusted p-values: sorted ascending, p̃_(k) = max_{j ≤ k} min(1, (m − j)·p_(j))
 * (j from 0). Rejecting where p̃ < α keeps the family-wise error at α.
 */
export function holmAdjust(pvalues: readonly number[]): number[] {
  const m = pvalues.length;
  const order = pvalues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

/**
 * Decides every feature that was measured but not yet decided (drifted null, no reasons):
 * Holm over those with a test, then the effect-size gate. Modifies the features in place.
 */
export function decideFeatures(features: FeatureDrift[]): void {
  const pending = features.filter((f) => f.drifted === null && f.reasons.length === 0);
  const tested = pending.filter((f) => f.p_value !== undefined && f.thresholds.ks_alpha > 0);
  const adjusted = holmAdjust(tested.map((f) => f.p_value as number));
  tested.forEach((f, i) => {
    f.p_holm = adjusted[i] as number;
  });
  for (const f of pending) {
    const t = f.thresholds;
    const psiLimit = Math.max(t.psi, f.psi_floor ?? 0);
    const jsLimit = Math.max(t.js, f.js_floor ?? 0);
    const psiLarge = (f.psi as number) >= psiLimit;
    const jsLarge = (f.js as number) >= jsLimit;
    const real = f.p_holm === undefined || f.p_holm < t.ks_alpha;
    const testNote =
      f.p_holm === undefined
        ? "test off (ks_alpha 0)"
        : `${f.test} p ${fmt(f.p_value as number)}, Holm ${fmt(f.p_holm)} ${real ? "<" : "≥"} ${t.ks_alpha}`;
    const psiNote = `psi ${fmt(f.psi as number)} ${psiLarge ? "≥" : "<"} ${fmt(psiLimit)}${limitNote(t.psi, f.psi_floor)}`;
    const jsNote = `js ${fmt(f.js as number)} ${jsLarge ? "≥" : "<"} ${fmt(jsLimit)}${limitNote(t.js, f.js_floor)}`;
    f.drifted = real && (psiLarge || jsLarge);
    if (f.drifted) f.reasons = [testNote, ...(psiLarge ? [psiNote] : []), ...(jsLarge ? [jsNote] : [])];
    else if (!real) f.reasons = [`not significant: ${testNote}`];
    else f.reasons = [`too small to matter: ${psiNote}, ${jsNote}`, testNote];
  }
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
    psi_floor: null,
    js_floor: null,
    n_reference: nRef,
    n_current: 0,
    missing_current: 0,
    missing_rate_reference: null,
    missing_rate_current: null,
    missing_rate_change: null,
    histogram: null,
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

function limitNote(threshold: number, floor: number | null): string {
  return floor !== null && floor > threshold ? ` (noise floor; threshold ${threshold})` : "";
}

function fmt(x: number): string {
  return x === 0 ? "0" : x < 1e-3 ? x.toExponential(2) : x.toFixed(4);
}
