/**
 * The wasm SIMD CPU backend: the shared kernel suite (kernel-suite.ts) against the TypeScript
 * reference, then what is particular to it (the matmul split, the wasm heap).
 */
import { describe, expect, test } from "bun:test";
import { createCpuBackend, splitMatmul } from "../../src/compute/cpu";
import { WasmHeap } from "../../src/compute/cpu/heap";
import { describeKernels } from "./kernel-suite";

describeKernels(
  "cpu backend (wasm simd)",
  (threads) => createCpuBackend({ threads }),
  (threads) => `wasm simd128 × ${threads} threads`,
);

describe("splitMatmul", () => {
  test("covers every element of C exactly once, for any thread count", () => {
    for (const [m, n] of [
      [1, 1],
      [257, 10],
      [64, 256],
      [200, 64],
      [3, 1000],
    ] as const) {
      for (const threads of [1, 2, 3, 8]) {
        const seen = new Uint8Array(m * n);
        const parts = splitMatmul(m, n, threads);
        expect(parts.length).toBeLessThanOrEqual(threads);
        for (const [i0, i1, j0, j1] of parts) {
          expect(j0 % 16).toBe(0);
          for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) seen[i * n + j] = (seen[i * n + j] as number) + 1;
        }
        expect(seen.every((v) => v === 1)).toBe(true);
      }
    }
  });

  test("splits by 16-column panels when there are enough, else by rows", () => {
    expect(splitMatmul(200, 256, 2)).toEqual([
      [0, 200, 0, 128],
      [0, 200, 128, 256],
    ]);
    expect(splitMatmul(200, 10, 2)).toEqual([
      [0, 100, 0, 10],
      [100, 200, 0, 10],
    ]);
  });
});

describe("WasmHeap", () => {
  test("reuses freed blocks first fit, merges neighbours and hands the top back", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    let grows = 0;
    const heap = new WasmHeap(memory, 1000, () => grows++);
    const a = heap.alloc(100);
    const b = heap.alloc(64);
    const c = heap.alloc(1);
    expect([a % 64, b - a, c - b]).toEqual([0, 128, 64]);
    heap.free(b, 64);
    expect(heap.alloc(10)).toBe(b);
    heap.free(b, 10);
    heap.free(a, 100);
    // a and b merged into one 192-byte hole, split for a 64-byte request
    expect(heap.alloc(64)).toBe(a);
    expect(heap.alloc(128)).toBe(a + 64);
    const top = heap.top;
    heap.free(c, 1);
    expect(heap.top).toBe(top - 64);
    heap.free(a, 64);
    heap.free(a + 64, 128);
    expect([heap.top, heap.used]).toEqual([a, 0]);
    expect(grows).toBe(0);
  });

  test("grows the memory when the top passes its end and fails cleanly past the maximum", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    let grows = 0;
    const heap = new WasmHeap(memory, 0, () => grows++);
    heap.alloc(3 * 65536);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(3 * 65536);
    expect(grows).toBe(1);
    expect(() => heap.alloc(10 * 65536)).toThrow(RangeError);
  });
});
