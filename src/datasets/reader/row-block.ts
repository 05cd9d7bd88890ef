/**
 * One row-major float32 block shared by the number columns of one read (compact.ts): the value of
 * column slot s at row r is values[r · stride + s]. A file's numbers then sit where the network's
 * matrix will: the training loader writes the matrix over the block (features.ts encodeInPlace),
 * so the numbers and the matrix are never held at once.
 */

/** rows of the first allocation; it doubles as rows come, unless reserve() sized it from the file */
const FIRST_ROWS = 1024;

export class RowBlock {
  values: Float32Array<ArrayBuffer> = new Float32Array(0);
  #stride = 0;
  #rows = 0;
  #sealed = false;

  /** values per row: one per column that joined */
  get stride(): number {
    return this.#stride;
  }

  /** rows the block has room for */
  get capacity(): number {
    return this.#rows;
  }

  /** A slot for one more column, or -1 once rows are stored (that column needs a block of its own). */
  join(): number {
    return this.#sealed ? -1 : this.#stride++;
  }

  /** Room for row `row`: the block doubles (ArrayBuffer.transfer, the old memory freed with it). */
  ensure(row: number): void {
    this.#sealed = true;
    if (row < this.#rows) return;
    this.#resize(Math.max(row + 1, this.#rows * 2, FIRST_ROWS));
  }

  /** Room for about `rows` rows at once (the reader's estimate from the file's size). */
  reserve(rows: number): void {
    this.#sealed = true;
    if (rows > this.#rows) this.#resize(rows);
  }

  #resize(rows: number): void {
    this.values = new Float32Array(this.values.buffer.transfer(rows * this.#stride * 4));
    this.#rows = rows;
  }
}
