/**
 * ML_PREDICT_TIMEOUT_MS for one prediction request (seed 004: "return HTTP 408 with timeout
 * details"). The asynchronous steps (loading a version, a device batch) race a timer; the
 * synchronous ones (encoding, the host forward pass) cannot be interrupted, so the clock is read
 * again before the answer is logged and sent: a prediction past its limit is neither.
 */
import { ServiceError } from "../errors";

export class Deadline {
  readonly #now: () => number;
  readonly #limitMs: number;
  readonly #started: number;

  /** `limitMs` 0: no limit. `now` in ms (the service clock, so tests can move it). */
  constructor(limitMs: number, now: () => number) {
    this.#now = now;
    this.#limitMs = limitMs;
    this.#started = now();
  }

  /** Throws the 408 when the limit has passed. */
  check(): void {
    if (this.#limitMs > 0 && this.#now() - this.#started > this.#limitMs) throw this.#error();
  }

  /** `work`, or the 408 if the limit passes first (the work is left to finish unobserved). */
  async race<T>(work: Promise<T>): Promise<T> {
    if (this.#limitMs <= 0) return work;
    const left = this.#limitMs - (this.#now() - this.#started);
    if (left <= 0) throw this.#error();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.#error()), left);
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #error(): ServiceError {
    return new ServiceError(
      408,
      "timeout",
      `the prediction took longer than its limit of ${this.#limitMs} ms (ML_PREDICT_TIMEOUT_MS)`,
      { timeout_ms: this.#limitMs },
    );
  }
}
