/**
 * Every WebGPU kernel against the TypeScript reference, on awkward shapes, plus the recording
 * contract (one encoder per step, losses accumulated on the device, writes in order).
 *
 * Runs on whatever adapter Dawn finds; in CI that is Mesa lavapipe (software Vulkan), so sizes
 * stay small. Tolerance: |gpu - ref| ≤ 1e-4 + 1e-4·|ref| for elementwise ops (f32 vs f64), and
 * 2e-4·(1 + |ref|) for sums over up to a few thousand terms (matmul, reductions, losses).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ACTIVATIONS, type Backend, type Matrix, ShapeError } from "../../src/compute/backend";
import {
  createWebGpuBackend,
  DEFAULT_MATMUL_KERNEL,
  listAdapters,
  MATMUL_KERNELS,
  type MatmulKernel,
} from "../../src/compute/webgpu";
import { ReferenceBackend } from "./reference";

async function openGpu(): Promise<Backend | undefined> {
  try {
    return await createWebGpuBackend({ allowSoftware: true });
  } catch (err) {
    // CI installs lavapipe precisely so these tests run: a missing adapter there is a failure.
    if (process.env.CI) throw new Error(`CI: no WebGPU adapter for the WebGPU tests: ${err}`);
    console.warn(`skipping WebGPU tests: ${err} (install mesa-vulkan-drivers for lavapipe)`);
    return undefined;
  }
}

// lavapipe compiles the matmul pipeline in ~5 s on an idle core (LLVM), more on a busy CI runner.
setDefaultTimeout(30_000);

const opened = await openGpu();
const ref = new ReferenceBackend();
afterAll(() => opened?.dispose());

/** mulberry32: reproducible inputs, so a failure can be rerun */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(42);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
const labelsFor = (rows: number, classes: number) =>
  Float32Array.from({ length: rows }, () => Math.floor(random() * classes));

function expectClose(actual: Float32Array, expected: Float32Array, rtol = 1e-4, atol = 1e-4) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const excess =
      Math.abs((actual[i] as number) - (expected[i] as number)) - (atol + rtol * Math.abs(expected[i] as number));
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  if (at >= 0) throw new Error(`element ${at}: got ${actual[at]}, expected ${expected[at]} (of ${actual.length})`);
}

/** The same inputs on both backends: `setup` builds matrices, `op` runs the operation, `outs` are compared. */
async function compare(
  gpu: Backend,
  inputs: Float32Array[][],
  shapes: [number, number][],
  op: (b: Backend, m: Matrix[]) => void,
  outs: number[],
  tol: [number, number] = [1e-4, 1e-4],
) {
  const run = async (b: Backend) => {
    const ms = shapes.map(([r, c], i) => b.matrix(r, c, inputs[0]?.[i]));
    op(b, ms);
    const result = await Promise.all(outs.map((i) => b.read(ms[i] as Matrix)));
    for (const m of ms) b.release(m);
    return result;
  };
  const [got, want] = [await run(gpu), await run(ref)];
  for (let i = 0; i < outs.length; i++) expectClose(got[i] as Float32Array, want[i] as Float32Array, ...tol);
}

const SUM_TOL: [number, number] = [2e-4, 2e-4];

const MATMUL_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 17, 5],
  [17, 65, 3],
  [65, 3, 257],
  [257, 33, 129],
  // whole 128×128 tiles and 16-wide k-steps: the candidates' unchecked interior path, nothing at an edge
  [256, 64, 256],
];

// Every matmul kernel (the default v1 and the candidates of kernels/matmul_v*.wgsl) meets the same contract.
for (const kernel of Object.keys(MATMUL_KERNELS) as MatmulKernel[]) {
  describe.skipIf(!opened)(`webgpu matmul, kernel ${kernel}`, () => {
    let gpu = opened as Backend;
    beforeAll(async () => {
      if (kernel !== DEFAULT_MATMUL_KERNEL)
        gpu = await createWebGpuBackend({ allowSoftware: true, matmulKernel: kernel });
    });
    afterAll(() => {
      if (gpu !== opened) gpu.dispose();
    });

    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        test(`matches the reference with transA=${transA} transB=${transB}, plain and accumulating`, async () => {
          for (const [m, k, n] of MATMUL_SHAPES) {
            for (const accumulate of [false, true]) {
              const aShape: [number, number] = transA ? [k, m] : [m, k];
              const bShape: [number, number] = transB ? [n, k] : [k, n];
              await compare(
                gpu,
                [[values(m * k), values(k * n), values(m * n)]],
                [aShape, bShape, [m, n]],
                (b, [A, B, C]) => b.matmul(A as Matrix, B as Matrix, C as Matrix, transA, transB, accumulate),
                [2],
                SUM_TOL,
              );
            }
          }
        });
      }
    }

    test("writes every element of C: none of a NaN-filled output survives", async () => {
      const [m, k, n] = [131, 35, 133];
      const c = gpu.matrix(m, n, new Float32Array(m * n).fill(Number.NaN));
      const a = gpu.matrix(m, k, values(m * k));
      const b = gpu.matrix(k, n, values(k * n));
      gpu.matmul(a, b, c, false, false);
      expect((await gpu.read(c)).findIndex((x) => Number.isNaN(x))).toBe(-1);
      for (const x of [a, b, c]) gpu.release(x);
    });

    test("with an empty inner dimension writes zeros, or leaves C when accumulating", async () => {
      const a = gpu.matrix(3, 0);
      const b = gpu.matrix(0, 4);
      const c = gpu.matrix(3, 4, values(12));
      const before = await gpu.read(c);
      gpu.matmul(a, b, c, false, false, true);
      expect(await gpu.read(c)).toEqual(before);
      gpu.matmul(a, b, c, false, false);
      expect(await gpu.read(c)).toEqual(new Float32Array(12));
    });
  });
}

test("createWebGpuBackend refuses an unknown matmul kernel", async () => {
  await expect(createWebGpuBackend({ allowSoftware: true, matmulKernel: "v0" as MatmulKernel })).rejects.toThrow(
    /unknown matmul kernel "v0"/,
  );
});

describe.skipIf(!opened)("webgpu backend", () => {
  const gpu = opened as Backend;

  test("describes its adapter and flags software ones", async () => {
    expect(gpu.info.kind).toBe("webgpu");
    expect(gpu.info.device).toMatch(/\(\w+\)$/);
    const adapters = await listAdapters();
    expect(adapters.length).toBeGreaterThan(0);
    if (/llvmpipe|lavapipe/i.test(gpu.info.device)) expect(gpu.info.software).toBe(true);
  });

  test("refuses a software adapter unless it is allowed or named", async () => {
    const adapters = await listAdapters();
    if (adapters.some((a) => !a.software)) return; // a hardware adapter would rightly be taken
    await expect(createWebGpuBackend()).rejects.toThrow(/allowSoftware/);
    const named = await createWebGpuBackend({ adapter: (adapters[0] as { name: string }).name });
    expect(named.info.software).toBe(true);
    named.dispose();
  });

  for (const act of ACTIVATIONS) {
    test(`biasActivation (${act}) matches into another matrix and in place`, async () => {
      for (const [rows, cols] of [
        [1, 1],
        [17, 3],
        [65, 257],
      ] as [number, number][]) {
        const x = values(rows * cols, 3);
        const bias = values(cols);
        const shapes: [number, number][] = [
          [rows, cols],
          [1, cols],
          [rows, cols],
        ];
        await compare(
          gpu,
          [[x, bias]],
          shapes,
          (b, [X, B, O]) => b.biasActivation(X as Matrix, B as Matrix, act, O as Matrix),
          [2],
        );
        await compare(
          gpu,
          [[x, bias]],
          shapes,
          (b, [X, B]) => b.biasActivation(X as Matrix, B as Matrix, act, X as Matrix),
          [0],
        );
      }
    });

    test(`activationBackward (${act}) matches, also when grad is y`, async () => {
      const y = act === "relu" ? values(17 * 65, 2) : Float32Array.from(values(17 * 65), (v) => (v + 1) / 2);
      const shapes: [number, number][] = [
        [17, 65],
        [17, 65],
      ];
      await compare(
        gpu,
        [[values(17 * 65), y]],
        shapes,
        (b, [G, Y]) => b.activationBackward(G as Matrix, Y as Matrix, act),
        [0],
      );
      await compare(gpu, [[y]], [[17, 65]], (b, [G]) => b.activationBackward(G as Matrix, G as Matrix, act), [0]);
    });
  }

  test("softmaxCrossEntropy matches: probabilities, gradient and the added loss", async () => {
    for (const [rows, cols] of [
      [1, 1],
      [17, 3],
      [65, 10],
      [3, 257],
    ] as [number, number][]) {
      const logits = values(rows * cols, 4);
      const labels = labelsFor(rows, cols);
      const shapes: [number, number][] = [
        [rows, cols],
        [rows, 1],
        [rows, cols],
        [rows, cols],
        [1, 1],
      ];
      const inputs = [[logits, labels, undefined, undefined, new Float32Array([1.5])]] as Float32Array[][];
      const separate = (b: Backend, [L, Y, P, G, loss]: Matrix[]) =>
        b.softmaxCrossEntropy(L as Matrix, Y as Matrix, P as Matrix, G as Matrix, loss as Matrix, 1 / rows);
      await compare(gpu, inputs, shapes, separate, [2, 3, 4], SUM_TOL);
      const gradIsProbs = (b: Backend, [L, Y, P, , loss]: Matrix[]) =>
        b.softmaxCrossEntropy(L as Matrix, Y as Matrix, P as Matrix, P as Matrix, loss as Matrix, 0.5);
      await compare(gpu, inputs, shapes, gradIsProbs, [2, 4], SUM_TOL);
    }
  });

  test("softmaxCrossEntropy clips the log of a near-zero probability as sklearn does", async () => {
    const shapes: [number, number][] = [
      [2, 2],
      [2, 1],
      [2, 2],
      [2, 2],
      [1, 1],
    ];
    const inputs = [[new Float32Array([100, -100, -100, 100]), new Float32Array([1, 1])]];
    await compare(
      gpu,
      inputs,
      shapes,
      (b, [L, Y, P, G, loss]) =>
        b.softmaxCrossEntropy(L as Matrix, Y as Matrix, P as Matrix, G as Matrix, loss as Matrix, 1),
      [4],
      [1e-5, 1e-4],
    );
  });

  test("squaredError matches gradient and added loss, across many workgroups", async () => {
    for (const [rows, cols] of [
      [1, 1],
      [17, 3],
      [300, 7],
    ] as [number, number][]) {
      const shapes: [number, number][] = [
        [rows, cols],
        [rows, cols],
        [rows, cols],
        [1, 1],
      ];
      await compare(
        gpu,
        [[values(rows * cols), values(rows * cols), undefined, new Float32Array([2])] as Float32Array[]],
        shapes,
        (b, [P, T, G, loss]) => b.squaredError(P as Matrix, T as Matrix, G as Matrix, loss as Matrix, 1 / rows),
        [2, 3],
        SUM_TOL,
      );
    }
  });

  test("columnSums matches, plain and accumulating", async () => {
    for (const [rows, cols] of [
      [1, 1],
      [17, 3],
      [257, 65],
    ] as [number, number][]) {
      for (const accumulate of [false, true]) {
        await compare(
          gpu,
          [[values(rows * cols), values(cols)]],
          [
            [rows, cols],
            [1, cols],
          ],
          (b, [X, O]) => b.columnSums(X as Matrix, O as Matrix, accumulate),
          [1],
          SUM_TOL,
        );
      }
    }
  });

  test("sumSquares adds to the accumulator, over one and many workgroups", async () => {
    for (const [rows, cols] of [
      [1, 1],
      [17, 3],
      [300, 100],
    ] as [number, number][]) {
      await compare(
        gpu,
        [[values(rows * cols), new Float32Array([0.25])]],
        [
          [rows, cols],
          [1, 1],
        ],
        (b, [X, acc]) => b.sumSquares(X as Matrix, acc as Matrix),
        [1],
        SUM_TOL,
      );
    }
  });

  test("adamStep matches sklearn's update over several steps with L2", async () => {
    const [rows, cols] = [17, 65];
    const n = rows * cols;
    const grads = [values(n), values(n), values(n)];
    await compare(
      gpu,
      [[values(n), grads[0] as Float32Array]],
      [
        [rows, cols],
        [rows, cols],
        [rows, cols],
        [rows, cols],
      ],
      (b, [W, G, M, V]) => {
        for (let t = 1; t <= 3; t++) {
          b.write(G as Matrix, grads[t - 1] as Float32Array);
          b.adamStep(W as Matrix, G as Matrix, M as Matrix, V as Matrix, {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            t,
            l2: 0.001,
          });
        }
      },
      [0, 2, 3],
    );
  });

  test("gatherRows picks rows by index from an offset, repeats allowed", async () => {
    const idx = Uint32Array.from({ length: 40 }, () => Math.floor(random() * 65));
    const src = values(65 * 3);
    const run = async (b: Backend) => {
      const s = b.matrix(65, 3, src);
      const out = b.matrix(17, 3);
      b.gatherRows(s, b.indices(idx), 7, out);
      return b.read(out);
    };
    expect(await run(gpu)).toEqual(await run(ref));
  });

  test("softmax matches into another matrix and in place", async () => {
    for (const [rows, cols] of [
      [1, 1],
      [17, 3],
      [5, 257],
    ] as [number, number][]) {
      const x = values(rows * cols, 5);
      const shapes: [number, number][] = [
        [rows, cols],
        [rows, cols],
      ];
      await compare(gpu, [[x]], shapes, (b, [X, O]) => b.softmax(X as Matrix, O as Matrix), [1], [1e-4, 1e-6]);
      await compare(gpu, [[x]], shapes, (b, [X]) => b.softmax(X as Matrix, X as Matrix), [0], [1e-4, 1e-6]);
    }
  });

  test("argmax takes the first of equal maxima", async () => {
    const x = new Float32Array([1, 3, 3, 0, -2, -1, -1, -5, 7, 7, 7, 7]);
    const run = async (b: Backend) => {
      const out = b.matrix(3, 1);
      b.argmax(b.matrix(3, 4, x), out);
      return b.read(out);
    };
    expect(await run(gpu)).toEqual(new Float32Array([1, 1, 0]));
    const random257 = values(17 * 257);
    await compare(
      gpu,
      [[random257]],
      [
        [17, 257],
        [17, 1],
      ],
      (b, [X, O]) => b.argmax(X as Matrix, O as Matrix),
      [1],
      [0, 0],
    );
  });

  test("fill sets every element, including a 1×1 loss accumulator", async () => {
    const m = gpu.matrix(65, 3, values(195));
    gpu.fill(m, 0.5);
    expect(await gpu.read(m)).toEqual(new Float32Array(195).fill(0.5));
  });

  test("addInto adds x into acc elementwise (awkward sizes)", async () => {
    for (const [rows, cols] of [
      [1, 1],
      [3, 17],
      [257, 5],
    ] as const) {
      const x = values(rows * cols);
      const acc = values(rows * cols);
      const a = gpu.matrix(rows, cols, acc);
      gpu.addInto(gpu.matrix(rows, cols, x), a);
      expect(Array.from(await gpu.read(a))).toEqual(Array.from(acc, (v, i) => Math.fround(v + (x[i] as number))));
    }
    expect(() => gpu.addInto(gpu.matrix(2, 3), gpu.matrix(3, 2))).toThrow(ShapeError);
  });

  test("parallel runs every lane's operations, in one lane, and refuses nesting", async () => {
    expect(gpu.lanes).toBe(1);
    const out = [gpu.matrix(2, 2), gpu.matrix(2, 2), gpu.matrix(2, 2)];
    gpu.parallel(3, (l) => gpu.fill(out[l] as Matrix, l + 1));
    for (let l = 0; l < 3; l++) expect(await gpu.read(out[l] as Matrix)).toEqual(new Float32Array(4).fill(l + 1));
    expect(() => gpu.parallel(2, () => gpu.parallel(2, () => {}))).toThrow(/inside a parallel/);
    expect(() => gpu.parallel(0, () => {})).toThrow(RangeError);
  });
});

describe.skipIf(!opened)("webgpu recording", () => {
  const gpu = opened as Backend;

  test("losses accumulate on the device across many dispatches in one encoder", async () => {
    const inputs = [values(132), labelsFor(33, 4), values(40), values(40)] as const;
    const run = async (b: Backend) => {
      const logits = b.matrix(33, 4, inputs[0]);
      const labels = b.matrix(33, 1, inputs[1]);
      const probs = b.matrix(33, 4);
      const pred = b.matrix(20, 2, inputs[2]);
      const target = b.matrix(20, 2, inputs[3]);
      const loss = b.matrix(1, 1);
      b.fill(loss, 0);
      for (let i = 0; i < 50; i++) {
        b.softmaxCrossEntropy(logits, labels, probs, probs, loss, 1 / 33);
        b.squaredError(pred, target, b.matrix(20, 2), loss, 1 / 20);
      }
      return b.read(loss);
    };
    expectClose(await run(gpu), await run(ref), 1e-4, 1e-3);
  });

  test("a uniform ring's worth of dispatches and more keep their own parameters", async () => {
    // 1100 fills with distinct values, each followed by a sum: only per-dispatch uniforms give 1..1100.
    const one = gpu.matrix(1, 1);
    const acc = gpu.matrix(1, 1);
    for (let i = 1; i <= 1100; i++) {
      gpu.fill(one, i);
      gpu.columnSums(one, acc, true);
    }
    expect((await gpu.read(acc))[0]).toBe((1100 * 1101) / 2);
  });

  /** A small training step: forward, softmax loss, backward, Adam; `submitEach` submits after every op. */
  async function train(b: Backend, submitEach: boolean) {
    const r = rng(7);
    const v = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
    const x = b.matrix(65, 9, v(65 * 9));
    const y = b.matrix(
      65,
      1,
      Float32Array.from({ length: 65 }, () => Math.floor(r() * 3)),
    );
    const w = b.matrix(9, 3, v(27));
    const bias = b.matrix(1, 3);
    const [mw, vw, mb, vb] = [b.matrix(9, 3), b.matrix(9, 3), b.matrix(1, 3), b.matrix(1, 3)];
    const [z, g, gw, gb, loss] = [b.matrix(65, 3), b.matrix(65, 3), b.matrix(9, 3), b.matrix(1, 3), b.matrix(1, 1)];
    const ops: (() => void)[] = [];
    for (let t = 1; t <= 4; t++) {
      const adam = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, t, l2: 0 };
      ops.push(
        () => b.matmul(x, w, z, false, false),
        () => b.biasActivation(z, bias, "identity", z),
        () => b.softmaxCrossEntropy(z, y, g, g, loss, 1 / 65),
        () => b.matmul(x, g, gw, true, false),
        () => b.columnSums(g, gb),
        () => b.adamStep(w, gw, mw, vw, { ...adam, l2: 1e-3 }),
        () => b.adamStep(bias, gb, mb, vb, adam),
      );
    }
    for (const op of ops) {
      op();
      if (submitEach) b.submit();
    }
    b.submit();
    return [await b.read(w), await b.read(bias), await b.read(loss)];
  }

  test("many ops recorded before one submit equal submitting after each, and the reference", async () => {
    const once = await train(gpu, false);
    const each = await train(gpu, true);
    expect(once).toEqual(each);
    const want = await train(ref, false);
    for (let i = 0; i < once.length; i++) expectClose(once[i] as Float32Array, want[i] as Float32Array, 1e-3, 1e-4);
  });

  test("a write between recorded ops is seen only by the ops after it", async () => {
    const a = gpu.matrix(1, 2, new Float32Array([1, 2]));
    const first = gpu.matrix(1, 1);
    const second = gpu.matrix(1, 1);
    gpu.sumSquares(a, first);
    gpu.write(a, new Float32Array([3, 4]));
    gpu.sumSquares(a, second);
    expect(await gpu.read(first)).toEqual(new Float32Array([5]));
    expect(await gpu.read(second)).toEqual(new Float32Array([25]));
  });

  test("released matrices cannot be used, and releasing with work pending keeps that work correct", async () => {
    const a = gpu.matrix(3, 3, new Float32Array(9).fill(2));
    const sum = gpu.matrix(1, 3);
    gpu.columnSums(a, sum);
    gpu.release(a); // still needed by the recorded columnSums
    expect(await gpu.read(sum)).toEqual(new Float32Array([6, 6, 6]));
    expect(() => gpu.fill(a, 1)).toThrow(/after release/);
    await expect(gpu.read(a)).rejects.toThrow(/after release/);
    const wide = gpu.matrix(1, 17);
    for (let i = 0; i < 20; i++) {
      const m = gpu.matrix(17, 17, new Float32Array(289).fill(i));
      gpu.columnSums(m, wide);
      gpu.release(m);
      expect((await gpu.read(wide))[16]).toBe(17 * i);
    }
  });

  test("shape mismatches throw ShapeError before anything is recorded", () => {
    const a = gpu.matrix(3, 4);
    const b = gpu.matrix(5, 2);
    const c = gpu.matrix(3, 2);
    expect(() => gpu.matmul(a, b, c, false, false)).toThrow(ShapeError);
    expect(() => gpu.matmul(a, gpu.matrix(4, 2), gpu.matrix(2, 3), false, false)).toThrow(ShapeError);
    expect(() => gpu.biasActivation(a, gpu.matrix(1, 3), "relu", a)).toThrow(ShapeError);
    expect(() => gpu.softmaxCrossEntropy(a, gpu.matrix(3, 2), a, a, gpu.matrix(1, 1), 1)).toThrow(ShapeError);
    expect(() => gpu.columnSums(a, gpu.matrix(1, 3))).toThrow(ShapeError);
    expect(() => gpu.gatherRows(a, gpu.indices(new Uint32Array(4)), 2, gpu.matrix(3, 4))).toThrow(ShapeError);
    expect(() => gpu.write(a, new Float32Array(5))).toThrow(ShapeError);
    expect(() => gpu.adamStep(a, c, a, a, { lr: 1, beta1: 0.9, beta2: 0.9, eps: 1, t: 1, l2: 0 })).toThrow(ShapeError);
  });
});
