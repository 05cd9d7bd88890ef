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
 * ids.next(); // reserves 1..1000 (or wherever the sequence stands), then counts in memory
 * ```
 */
import type { PredictionLogStore } from "../db/stores";

type IdSequence = Pick<PredictionLogStore, "reserveIds" | "inTransaction">;

export class PredictionIds {
  readonly #store: IdSequence;
  readonly #block: number;
  #next = 0;
  #end = 0;
  /** the block after this one, reserved early (see #reserveAhead) */
  #spare: { next: number; end: number } | null = null;

  constructor(store: IdSequence, block = 1000) {
    if (!(Number.isInteger(block) && block >= 1)) throw new Error(`id block must be a positive integer, got ${block}`);
    this.#store = store;
    this.#block = block;
  }

  /** The next id of this process's block; takes the next block when it is used up. */
  next(): number {
    if (this.#next >= this.#end) {
      const block = this.#spare ?? this.#reserve();
      this.#spare = null;
      this.#next = block.next;
      this.#end = block.end;
    }
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
    if (this.#spare || this.#end - this.#next > this.#block / 2 || this.#store.inTransaction) return;
    this.#spare = this.#reserve();
  }

  #reserve(): { next: number; end: number } {
    const end = this.#store.reserveIds(this.#block);
    return { next: end - this.#block, end };
  }
}
