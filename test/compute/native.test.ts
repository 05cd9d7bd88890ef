/**
 * The native CPU backend: the shared kernel suite (kernel-suite.ts) against the TypeScript reference on
 * every ISA path this CPU runs (AVX-512, AVX2+FMA and the baseline on an AVX-512 machine), then what is
 * particular to it: the fused epilogues, NaN propagation, the ISA choice and the load failure path.
 * Under CI a native library that is missing or fails to load fails here; elsewhere it is skipped.
 */
import { describe, expect, test } from "bun:test";
import { ACTIVATIONS, type Backend, type Matrix } from "../../src/compute/backend";
import { createNativeBackend, NATIVE_ISAS, type NativeIsa } from "../../src/compute/native";
import { loadNativeLibrary, type NativeLibrary } from "../../src/compute/native/library";
import { bits, describeKernels, uniform } from "./kernel-suite";

async function library(): Promise<NativeLibrary | undefined> {
  try {
    return await loadNativeLibrary();
  } catch (err) {
    if (process.env.CI) throw new Error(`CI: the native kernels must build and load: ${(err as Error).message}`);
    console.warn(`skipping the native backend tests: ${(err as Error).message}`);
    return undefined;
  }
}

const lib = await library();
const runs = (isa: NativeIsa) => lib?.ml_isa_supported(NATIVE_ISAS.indexOf(isa)) === 1;

for (const isa of NATIVE_ISAS) {
  if (!lib || !runs(isa)) {
    describe.skip(`native backend (${isa}): not run by this CPU`, () => {});
    continue;
  }
  describeKernels(
    `native backend (${isa})`,
    (threads) => createNativeBackend({ threads, isa }),
    (threads) => `native ${isa} × ${threads} threads`,
  );
}

describe.skipIf(!lib)("native backend", () => {
  test("loads under CI (a missing or broken build fails the run, it is not skipped)", () => {
    expect(lib).toBeDefined();
  });

  test("dispose frees what was not released, and a matrix is unusable afterwards", async () => {
    const backend = await createNativeBackend({ threads: 2 });
    const kept = backend.matrix(300, 300, uniform(300 * 300, 1));
    backend.release(backend.matrix(10, 10));
    backend.dispose();
    backend.dispose(); // twice is fine
    await expect(backend.read(kept)).rejects.toThrow(/after dispose/);
  });

  test("borrow reads the caller's array in place (a subarray too) and never frees or changes it", async () => {
    const backend = await createNativeBackend({ threads: 2 });
    const whole = uniform(64 * 40, 3);
    const rows = whole.subarray(4 * 40); // 60 rows, starting 160 floats into the buffer
    const before = rows.slice();
    const x = backend.borrow?.(60, 40, rows);
    expect(x).toBeDefined();
    const out = backend.matrix(3, 40);
    backend.gatherRows(x as Matrix, backend.indices(Uint32Array.of(59, 0, 17)), 0, out);
    const got = await backend.read(out);
    expect(Array.from(got)).toEqual([
      ...rows.subarray(59 * 40, 60 * 40),
      ...rows.subarray(0, 40),
      ...rows.subarray(17 * 40, 18 * 40),
    ]);
    // a change to the array is what the matrix holds: it is the same memory, not a copy
    rows[17 * 40] = 1234;
    const again = backend.matrix(1, 40);
    backend.gatherRows(x as Matrix, backend.indices(Uint32Array.of(17)), 0, again);
    expect((await backend.read(again))[0]).toBe(1234);
    rows[17 * 40] = before[17 * 40] as number;
    backend.release(x as Matrix);
    backend.dispose();
    expect(Array.from(rows)).toEqual(Array.from(before));
  });

  test("a large block kept after release comes back zeroed for the next matrix of its size", async () => {
    const backend = await createNativeBackend({ threads: 1 });
    try {
      const a = backend.matrix(300, 300);
      backend.fill(a, 7);
      backend.release(a);
      const b = backend.matrix(300, 300);
      expect((await backend.read(b)).every((v) => v === 0)).toBe(true);
      const c = backend.matrix(300, 300, new Float32Array(90_000).fill(2)); // given data wins
      expect((await backend.read(c))[89_999]).toBe(2);
    } finally {
      backend.dispose();
    }
  });

  test("takes the best ISA the CPU runs unless one is named, and refuses an unknown one", async () => {
    const best = NATIVE_ISAS.find(runs) as NativeIsa;
    const backend = await createNativeBackend({ threads: 1 });
    expect(backend.info.device).toBe(`native ${best} × 1 threads`);
    backend.dispose();
    await expect(createNativeBackend({ isa: "sse9" as NativeIsa })).rejects.toThrow(/unknown ISA/);
    // a minimum the best path is below is refused, naming the setting that forces it
    const below = NATIVE_ISAS.indexOf(best) > 0 ? createNativeBackend({ minimum: "avx512" }) : undefined;
    if (below) await expect(below).rejects.toThrow(/has no avx512 \(ML_CPU_ISA=/);
    await expect(createNativeBackend({ threads: 0 })).rejects.toThrow(RangeError);
  });

  for (const isa of NATIVE_ISAS.filter(runs)) {
    test(`${isa}: a matmul's fused epilogues give the bits of the separate calls`, async () => {
      const cpu = await createNativeBackend({ threads: 2, isa });
      try {
        // forward (bias + activation in place) and backward (activation derivative) on awkward shapes,
        // large enough to be split over both threads; k past one KC block (256) adds to C before the epilogue
        for (const [m, k, n] of [
          [203, 65, 257],
          [61, 300, 96],
        ] as const) {
          const x = cpu.matrix(m, k, uniform(m * k, 1));
          const w = cpu.matrix(k, n, uniform(k * n, 2));
          const bias = cpu.matrix(1, n, uniform(n, 3));
          const y = cpu.matrix(m, n, uniform(m * n, 4, 0, 1));
          const wt = cpu.matrix(n, k, uniform(n * k, 5));
          for (const act of ACTIVATIONS) {
            const run = async (b: Backend, fused: boolean) => {
              const h = b.matrix(m, n);
              b.matmul(x, w, h, false, false);
              if (!fused) b.submit(); // runs the held matmul alone
              b.biasActivation(h, bias, act, h);
              const d = b.matrix(m, n);
              b.matmul(x, wt, d, false, true);
              if (!fused) b.submit();
              b.activationBackward(d, y, act);
              return [await b.read(h), await b.read(d)];
            };
            const [fused, separate] = [await run(cpu, true), await run(cpu, false)];
            // and inside a lane's program
            let laned: Float32Array[] = [];
            const h = cpu.matrix(m, n);
            cpu.parallel(1, () => {
              cpu.matmul(x, w, h, false, false);
              cpu.biasActivation(h, bias, act, h);
            });
            laned = [await cpu.read(h)];
            for (let i = 0; i < 2; i++)
              expect(bits(fused[i] as Float32Array)).toEqual(bits(separate[i] as Float32Array));
            expect(bits(laned[0] as Float32Array)).toEqual(bits(fused[0] as Float32Array));
          }
        }
      } finally {
        cpu.dispose();
      }
    });

    test(`${isa}: column sums of a matmul's B operand, summed as it is packed, give the bits of the separate call`, async () => {
      const cpu = await createNativeBackend({ threads: 2, isa });
      try {
        // gW = Aᵀδ and gb = Σδ over: few columns, one thread, a split by rows and by columns, k past one
        // KC block and n past one NC block; gb written and accumulated
        const shapes = [
          [40, 300, 3],
          [7, 9, 20],
          [300, 129, 33],
          [9, 600, 700],
          [13, 70, 257],
        ];
        for (const [inputs, rows, outputs] of shapes as [number, number, number][]) {
          const a = cpu.matrix(rows, inputs, uniform(rows * inputs, 6));
          const delta = cpu.matrix(rows, outputs, uniform(rows * outputs, 7));
          for (const accumulate of [false, true]) {
            const run = async (fused: boolean) => {
              const gW = cpu.matrix(inputs, outputs);
              const gb = cpu.matrix(1, outputs, uniform(outputs, 8));
              cpu.matmul(a, delta, gW, true, false);
              if (!fused) cpu.submit();
              cpu.columnSums(delta, gb, accumulate);
              return [await cpu.read(gW), await cpu.read(gb)];
            };
            const [fused, separate] = [await run(true), await run(false)];
            const [gW, gb] = [cpu.matrix(inputs, outputs), cpu.matrix(1, outputs, uniform(outputs, 8))];
            cpu.parallel(1, () => {
              cpu.matmul(a, delta, gW, true, false);
              cpu.columnSums(delta, gb, accumulate);
            });
            const laned = await cpu.read(gb);
            for (let i = 0; i < 2; i++)
              expect(bits(fused[i] as Float32Array)).toEqual(bits(separate[i] as Float32Array));
            expect(bits(laned)).toEqual(bits(separate[1] as Float32Array));
          }
        }
      } finally {
        cpu.dispose();
      }
    });

    test(`${isa}: NaN and ±Inf pass through the activations, so a diverged fit shows in its loss`, async () => {
      const cpu = await createNativeBackend({ threads: 1, isa });
      try {
        const x = cpu.matrix(1, 5, Float32Array.of(Number.NaN, 1, Number.POSITIVE_INFINITY, -1, 0));
        const zero = cpu.matrix(1, 5);
        for (const act of ["relu", "tanh", "logistic"] as const) {
          const out = cpu.matrix(1, 5);
          cpu.biasActivation(x, zero, act, out);
          const got = await cpu.read(out);
          expect(Number.isNaN(got[0])).toBe(true);
          expect(got[2]).toBe(act === "relu" ? Number.POSITIVE_INFINITY : 1);
        }
        const w = cpu.matrix(5, 3, new Float32Array(15).fill(1));
        const h = cpu.matrix(1, 3);
        cpu.matmul(x, w, h, false, false);
        cpu.biasActivation(h, cpu.matrix(1, 3), "relu", h);
        expect((await cpu.read(h)).every(Number.isNaN)).toBe(true);
      } finally {
        cpu.dispose();
      }
    });
  }
});
