/**
 * The allocator inside the shared WebAssembly.Memory: a bump pointer plus an address-ordered
 * free list (first fit, split on allocate, coalesce on free), growing the memory when the top is reached.
 *
 * Every block is 64-byte aligned and a multiple of 64 bytes, so a kernel may load and store whole
 * f32x4 past the last element of a matrix without touching its neighbour.
 */

export const BLOCK = 64;
const PAGE = 65536;

interface FreeBlock {
  start: number;
  size: number;
}

export class WasmHeap {
  readonly #memory: WebAssembly.Memory;
  readonly #onGrow: () => void;
  readonly #base: number;
  #top: number;
  /** sorted by start; never two adjacent blocks (they are merged) and never a block ending at #top */
  readonly #free: FreeBlock[] = [];

  /** Manages [base, ∞) of `memory`; `onGrow` runs after each grow so callers refresh their views. */
  constructor(memory: WebAssembly.Memory, base: number, onGrow: () => void) {
    this.#memory = memory;
    this.#base = roundUp(base, BLOCK);
    this.#top = this.#base;
    this.#onGrow = onGrow;
  }

  /** Byte address of a new block of at least `bytes` (contents unspecified). */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), BLOCK);
    const index = this.#free.findIndex((b) => b.size >= size);
    const fit = this.#free[index];
    if (fit) {
      const start = fit.start;
      if (fit.size === size) this.#free.splice(index, 1);
      else {
        fit.start += size;
        fit.size -= size;
      }
      return start;
    }
    const start = this.#top;
    this.#ensure(start + size);
    this.#top = start + size;
    return start;
  }

  /** Returns the block at `start` of the size it was allocated with (`bytes` as passed to alloc). */
  free(start: number, bytes: number): void {
    let size = roundUp(Math.max(bytes, 1), BLOCK);
    let at = 0;
    while (at < this.#free.length && (this.#free[at] as FreeBlock).start < start) at++;
    const before = this.#free[at - 1];
    const after = this.#free[at];
    if (after && start + size === after.start) {
      size += after.size;
      this.#free.splice(at, 1);
    }
    if (before && before.start + before.size === start) {
      before.size += size;
      if (before.start + before.size === this.#top) {
        this.#top = before.start;
        this.#free.splice(at - 1, 1);
      }
      return;
    }
    if (start + size === this.#top) this.#top = start;
    else this.#free.splice(at, 0, { start, size });
  }

  /** Bytes in use between the base and the top (for tests and diagnostics). */
  get used(): number {
    return this.#top - this.#base - this.#free.reduce((sum, b) => sum + b.size, 0);
  }

  get top(): number {
    return this.#top;
  }

  #ensure(end: number): void {
    const have = this.#memory.buffer.byteLength;
    if (end <= have) return;
    // grow by at least half again, so a growing workload does not grow page by page
    const pages = Math.max(Math.ceil((end - have) / PAGE), Math.ceil(have / PAGE / 2));
    const maxPages = 65536 - have / PAGE;
    if (Math.ceil((end - have) / PAGE) > maxPages) {
      throw new RangeError(`cpu backend: out of memory (need ${end} bytes, the wasm limit is 4 GiB)`);
    }
    this.#memory.grow(Math.min(pages, maxPages));
    this.#onGrow();
  }
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
