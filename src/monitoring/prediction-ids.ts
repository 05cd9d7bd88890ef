/**
 * Prediction ids from the database. A process reserves a block of ids in `id_sequences`
 * (migration 0007) in one committed statement before it hands out the first id of the block,
 * so a restart, even after kill -9, continues after the last block any process reserved: the
 * unused rest of a dead process's block is a gap, never a second owner for an id. Deleting
 * old predictions (retention) does not move the sequence back either.
 *
 * One write per block keeps the hot path free of per-request writes:
 *
 * ```ts
 * const ids = new PredictionIds(stores.predictionLog, 1000);
 * await ids.next(); // reserves 1..1000 (or wherever the sequence stands), then counts in memory
 * ```
 */
import type { PredictionLogStore } from "../db/stores";

type IdSequence = Pick<PredictionLogStore, "reserveIds" | "inTransaction">;

/**
 * A reservation is a durable commit (an fsync) on the serving thread: under load the block
 * grows so that they stay about a second apart (at 5,000 predictions/s, one a second instead
 * of five), and shrinks back once traffic is slow. Gaps stay what they were: the unused rest
 * of a block at exit.
 */
const GROW_WHEN_USED_WITHIN_MS = 1000;
const SHRINK_WHEN_USED_AFTER_MS = 10_000;
const MAX_BLOCK = 65_536;

export class PredictionIds {
  readonly #store: IdSequence;
  readonly #baseBlock: number;
  /** ids reserved at a time now: #baseBlock, doubled while blocks are used up fast */
  #block: number;
  #lastReserveMs = Number.NEGATIVE_INFINITY;
  readonly #clock: () => number;
  #next = 0;
  #end = 0;
  /** the block after this one, reserved early (see #reserveAhead) */
  #spare: { next: number; end: number } | null = null;
  /** the reservation in flight, shared by every caller that waits for it */
  #reserving: Promise<void> | null = null;

  constructor(store: IdSequence, block = 1000, clock: () => number = () => performance.now()) {
    if (!(Number.isInteger(block) && block >= 1)) throw new Error(`id block must be a positive integer, got ${block}`);
    this.#store = store;
    this.#baseBlock = block;
    this.#block = block;
    this.#clock = clock;
  }

  /** Ids the next reservation takes. */
  get blockSize(): number {
    return this.#block;
  }

  /**
   * The next id of this process's block, at once while the block (or the spare one) lasts;
   * otherwise once the next block is reserved. Ids are handed out in call order either way.
   */
  next(): number | Promise<number> {
    if (this.#next >= this.#end && this.#spare) {
      this.#next = this.#spare.next;
      this.#end = this.#spare.end;
      this.#spare = null;
    }
    if (this.#next >= this.#end) return this.#reserve().then(() => this.next());
    const id = this.#next++;
    this.#reserveAhead();
    return id;
  }

  /**
   * A write made while a Kysely transaction is open on the same connection joins that
   * transaction, and its rollback would hand the block out again. So the next block is reserved
   * halfway through the current one, at a moment when no transaction is open.
   */
  #reserveAhead(): void {
    if (this.#spare || this.#reserving || this.#end - this.#next > this.#block / 2 || this.#store.inTransaction) return;
    // a failure here is met again, and reported, by the first caller that needs the block
    this.#reserve().catch(() => {});
  }

  #reserve(): Promise<void> {
    if (this.#reserving) return this.#reserving;
    const now = this.#clock();
    const since = now - this.#lastReserveMs;
    if (since < GROW_WHEN_USED_WITHIN_MS) this.#block = Math.min(this.#block * 2, Math.max(MAX_BLOCK, this.#baseBlock));
    else if (since > SHRINK_WHEN_USED_AFTER_MS) this.#block = this.#baseBlock;
    this.#lastReserveMs = now;
    const block = this.#block;
    this.#reserving = this.#store
      .reserveIds(block)
      .then((end) => {
        this.#spare = { next: end - block, end };
      })
      .finally(() => {
        this.#reserving = null;
      });
    return this.#reserving;
  }
}
