/**
 * When a column of float64 numbers can be kept as float32 and still give back every float64
 * exactly: half the memory for training data, and a model identical to one trained from the
 * float64 column (same means, deviations, ID and constant decisions, same matrix).
 *
 * Two kinds of column qualify:
 * - every value is a float32 value (integers up to 2^24, halves, quarters…): read as they are;
 * - every value is a decimal with at most F decimals, x = RN(M / 10^F) for an integer M with
 *   |M| < 2^22 (what the reader parses from "-2.345678", "12.5", "0.0031"). float32 keeps x to
 *   within |x|·2^-24, so y·10^F lies within 1/4 of M, Math.round gives M back, and M / 10^F,
 *   one correctly rounded division of the same rational, is x again, bit for bit.
 * Anything else (IDs past 2^24, 17-digit floats, 1e-30) needs float64: `admit` says so.
 */

/** |M| below this: the float32 error in units of 10^-F stays under 1/4 */
const MAX_UNITS = 2 ** 22;
/** POW10 up to 10^22 is exact; M itself caps the useful decimals well below that */
const MAX_DECIMALS = 15;

/** The float64 a float32 `stored` value came from, given the column's `scale` (10^F), or as is without one. */
export function restoreFloat32(stored: number, scale: number | undefined): number {
  return scale === undefined ? stored : Math.round(stored * scale) / scale;
}

/**
 * What a column's values so far allow; `admit` each value in turn. `scale` is then how to read
 * the float32 values back (restoreFloat32).
 */
export class Float32Exactness {
  /** every value so far is a float32 value */
  #exact = true;
  /** every value so far is RN(M / scale) with |M| < MAX_UNITS */
  #decimal = true;
  #decimals = 0;
  #scale = 1;
  #maxAbs = 0;

  /** undefined when the values are float32 values, else 10^F */
  get scale(): number | undefined {
    return this.#exact ? undefined : this.#scale;
  }

  /**
   * Whether the column stays restorable with `x` in it; when not, nothing changes, so the values
   * stored so far are still read back by `scale`.
   */
  admit(x: number): boolean {
    if (Number.isNaN(x)) return true;
    const exact = this.#exact && Object.is(Math.fround(x), x);
    if (exact && !this.#decimal) return true;
    let decimal = this.#decimal;
    let decimals = this.#decimals;
    let scale = this.#scale;
    const maxAbs = Math.max(this.#maxAbs, Math.abs(x));
    if (decimal) {
      while (!Object.is(Math.round(x * scale) / scale, x) && decimals < MAX_DECIMALS) {
        decimals++;
        scale *= 10;
      }
      decimal = Object.is(Math.round(x * scale) / scale, x) && maxAbs * scale < MAX_UNITS;
    }
    if (!exact && !decimal) return false;
    this.#exact = exact;
    this.#decimal = decimal;
    if (decimal) {
      this.#decimals = decimals;
      this.#scale = scale;
      this.#maxAbs = maxAbs;
    }
    return true;
  }
}
