/**
 * Distances between two discrete distributions given over the same bins (proportions or
 * raw counts; each side is normalised to sum 1 first). Both sides must have equal length.
 */

/** Floor for an empty bin in PSI, applied to both sides: ln(a/0) would be infinite. */
export const PSI_EPSILON = 1e-4;

/**
 * Population Stability Index, Σ (a − e) · ln(a / e), with every proportion below
 * PSI_EPSILON raised to it (no renormalisation). e = expected (reference), a = actual.
 * 0 for identical distributions; rules of thumb: < 0.1 stable, 0.1–0.25 moderate, > 0.25 large.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  const e = normalise(expected);
  const a = normalise(actual, e.length);
  let sum = 0;
  for (let i = 0; i < e.length; i++) {
    const ei = Math.max(e[i] as number, epsilon);
    const ai = Math.max(a[i] as number, epsilon);
    sum += (ai - ei) * Math.log(ai / ei);
  }
  return sum;
}

/**
 * Jensen–Shannon DIVERGENCE in bits (log base 2), so it lies in [0, 1]:
 * ½·KL(p‖m) + ½·KL(q‖m), m = (p + q)/2, with 0·log 0 = 0 (no epsilon needed: m > 0 wherever
 * p or q is). scipy.spatial.distance.jensenshannon(p, q, base=2) returns the DISTANCE,
 * the square root of this; with its default base e the divergence tops out at ln 2 ≈ 0.693
 * (distance ≈ 0.833).
 */
export function jsDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const a = normalise(p);
  const b = normalise(q, a.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] as number;
    const bi = b[i] as number;
    const m = (ai + bi) / 2;
    if (ai > 0) sum += ai * Math.log2(ai / m);
    if (bi > 0) sum += bi * Math.log2(bi / m);
  }
  // Rounding can leave a hair below 0 or above 1.
  return Math.min(1, Math.max(0, sum / 2));
}

/** Jensen–Shannon distance in base 2, √jsDivergence: what scipy's jensenshannon(base=2) returns. */
export function jsDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  return Math.sqrt(jsDivergence(p, q));
}

function normalise(x: ArrayLike<number>, length = x.length): Float64Array {
  if (x.length !== length) throw new Error(`distributions differ in length: ${length} vs ${x.length}`);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`bin ${i}: ${v} is not a non-negative number`);
    total += v;
  }
  if (total <= 0) throw new Error("distribution is empty (all bins 0)");
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] as number) / total;
  return out;
}
