/**
 * The kernels of a CPU backend against the plain TypeScript reference, on seeded random inputs with
 * awkward shapes: one suite that cpu.test.ts runs on the wasm backend and native.test.ts on each ISA
 * path of the native one. Tolerances are stated per test: |cpu - ref| ≤ atol + rtol·|ref|, the
 * reference computing in f64.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ACTIVATIONS, type Backend, type IndexVector, type Matrix, ShapeError } from "../../src/compute/backend";
import { ReferenceBackend } from "./reference";

/** mulberry32: a tiny seeded generator, so a failure reproduces */
export function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** The index and size of the worst violation of |a - b| ≤ atol + rtol·|b|, or undefined when all hold. */
function worst(actual: Float32Array, expected: Float32Array, rtol: number, atol: number) {
  expect(actual.length).toBe(expected.length);
  let bad: { at: number; actual: number; expected: number } | undefined;
  let excess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const over = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(over <= excess)) {
      excess = Number.isNaN(over) ? Infinity : over;
      bad = { at: i, actual: a, expected: e };
    }
  }
  return bad;
}

export function expectClose(actual: Float32Array, expected: Float32Array, rtol: number, atol: number) {
  expect(worst(actual, expected, rtol, atol)).toBeUndefined();
}

export function bits(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

export function describeKernels(
  name: string,
  open: (threads: number) => Promise<Backend>,
  device: (threads: number) => string,
): void {
  let cpu: Backend;
  const ref = new ReferenceBackend();

  /** The same data on both backends. */
  function pair(rows: number, cols: number, data: Float32Array): [Matrix, Matrix] {
    return [cpu.matrix(rows, cols, data), ref.matrix(rows, cols, data)];
  }

  async function both(c: Matrix, r: Matrix): Promise<[Float32Array, Float32Array]> {
    return [await cpu.read(c), await ref.read(r)];
  }

  describe(name, () => {
    beforeAll(async () => {
      cpu = await open(2);
    });
    afterAll(() => cpu.dispose());

    test("describes itself as the CPU on N threads", () => {
      expect(cpu.info).toEqual({ kind: "cpu", device: device(2), software: false });
    });

    // (m, k, n): every one of 1, 3, 17, 65, 257 in each position, tile multiples and a forward-layer shape
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [3, 17, 1],
      [1, 3, 17],
      [17, 1, 3],
      [17, 65, 3],
      [65, 3, 257],
      [3, 257, 65],
      [257, 17, 65],
      [65, 257, 17],
      [257, 65, 257],
      [16, 32, 48],
      [200, 64, 256],
    ];
    for (const [m, k, n] of shapes) {
      test(`matmul ${m}×${k}·${k}×${n} matches the reference for every transpose and with accumulate (rtol 1e-4, atol 1e-5)`, async () => {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const accumulate of [false, true]) {
              const seed = m * 7919 + k * 131 + n + (transA ? 1e6 : 0) + (transB ? 2e6 : 0);
              const [a, ra] = pair(transA ? k : m, transA ? m : k, uniform(m * k, seed));
              const [b, rb] = pair(transB ? n : k, transB ? k : n, uniform(k * n, seed + 1));
              const [c, rc] = pair(m, n, uniform(m * n, seed + 2));
              cpu.matmul(a, b, c, transA, transB, accumulate);
              ref.matmul(ra, rb, rc, transA, transB, accumulate);
              const [got, want] = await both(c, rc);
              const bad = worst(got, want, 1e-4, 1e-5);
              expect({ transA, transB, accumulate, bad }).toEqual({ transA, transB, accumulate, bad: undefined });
              for (const x of [a, b, c]) cpu.release(x);
            }
          }
        }
      });
    }

    test("matmul with k = 0 writes zeros, or leaves C alone when accumulating", async () => {
      const a = cpu.matrix(5, 0);
      const b = cpu.matrix(0, 7);
      const c = cpu.matrix(5, 7, uniform(35, 1));
      cpu.matmul(a, b, c, false, false, true);
      expect(await cpu.read(c)).toEqual(uniform(35, 1));
      cpu.matmul(a, b, c, false, false);
      expect(await cpu.read(c)).toEqual(new Float32Array(35));
    });

    for (const act of ACTIVATIONS) {
      test(`biasActivation ${act} matches the reference, in place too (rtol 1e-5, atol 1e-6)`, async () => {
        for (const [rows, cols] of [
          [1, 1],
          [3, 17],
          [65, 3],
          [257, 65],
        ] as const) {
          // wide enough to reach the clamps of exp (|z| up to 100)
          const [x, rx] = pair(rows, cols, uniform(rows * cols, rows + cols, -100, 100));
          const [bias, rbias] = pair(1, cols, uniform(cols, cols, -2, 2));
          const [out, rout] = pair(rows, cols, new Float32Array(rows * cols));
          cpu.biasActivation(x, bias, act, out);
          ref.biasActivation(rx, rbias, act, rout);
          expectClose(...(await both(out, rout)), 1e-5, 1e-6);
          const [y, ry] = pair(rows, cols, uniform(rows * cols, rows * cols, -3, 3));
          cpu.biasActivation(y, bias, act, y);
          ref.biasActivation(ry, rbias, act, ry);
          expectClose(...(await both(y, ry)), 1e-5, 1e-6);
        }
      });

      test(`activationBackward ${act} matches the reference (rtol 1e-6, atol 1e-7)`, async () => {
        for (const [rows, cols] of [
          [1, 1],
          [17, 3],
          [257, 65],
        ] as const) {
          const z = uniform(rows * cols, rows, -3, 3);
          const [g, rg] = pair(rows, cols, uniform(rows * cols, cols));
          const [y, ry] = pair(rows, cols, z);
          const [zero] = pair(1, cols, new Float32Array(cols));
          // y must be an output of the activation for the derivative to mean anything
          cpu.biasActivation(y, zero, act, y);
          ref.biasActivation(ry, ref.matrix(1, cols), act, ry);
          ref.write(ry, await cpu.read(y));
          cpu.activationBackward(g, y, act);
          ref.activationBackward(rg, ry, act);
          expectClose(...(await both(g, rg)), 1e-6, 1e-7);
        }
      });
    }

    test("softmax matches the reference and each row sums to 1 (rtol 1e-5, atol 1e-7)", async () => {
      for (const [rows, cols] of [
        [1, 1],
        [3, 17],
        [65, 3],
        [257, 65],
        [600, 5],
      ] as const) {
        const [x, rx] = pair(rows, cols, uniform(rows * cols, rows * 3 + cols, -30, 30));
        const [out, rout] = pair(rows, cols, new Float32Array(rows * cols));
        cpu.softmax(x, out);
        ref.softmax(rx, rout);
        expectClose(...(await both(out, rout)), 1e-5, 1e-7);
        cpu.softmax(x, x);
        expect(await cpu.read(x)).toEqual(await cpu.read(out));
      }
    });

    test("softmaxCrossEntropy matches the reference: probs, grad (aliasing probs or not) and accumulated loss", async () => {
      for (const [rows, cols] of [
        [1, 2],
        [3, 17],
        [257, 3],
        [65, 65],
      ] as const) {
        const labels = Float32Array.from(uniform(rows, rows + 5, 0, cols), Math.floor);
        const logits = uniform(rows * cols, rows + cols, -20, 20);
        for (const aliased of [false, true]) {
          const [x, rx] = pair(rows, cols, logits);
          const [l, rl] = pair(rows, 1, labels);
          const [p, rp] = pair(rows, cols, new Float32Array(rows * cols));
          const [g, rg] = aliased ? [p, rp] : pair(rows, cols, new Float32Array(rows * cols));
          const [loss, rloss] = pair(1, 1, Float32Array.of(2.5));
          cpu.softmaxCrossEntropy(x, l, p, g, loss, 1 / rows);
          ref.softmaxCrossEntropy(rx, rl, rp, rg, rloss, 1 / rows);
          if (!aliased) expectClose(...(await both(p, rp)), 1e-5, 1e-7);
          expectClose(...(await both(g, rg)), 1e-5, 1e-7);
          expectClose(...(await both(loss, rloss)), 1e-5, 0);
        }
      }
    });

    test("softmaxCrossEntropy clips the loss of a confidently wrong row at -ln(eps)", async () => {
      const x = cpu.matrix(1, 2, Float32Array.of(0, 200));
      const loss = cpu.matrix(1, 1);
      const p = cpu.matrix(1, 2);
      cpu.softmaxCrossEntropy(x, cpu.matrix(1, 1), p, p, loss, 1);
      expect((await cpu.read(loss))[0]).toBeCloseTo(-Math.log(1.1920928955078125e-7), 4);
    });

    test("squaredError matches the reference: grad and accumulated loss (rtol 1e-5)", async () => {
      for (const [rows, cols] of [
        [1, 1],
        [17, 3],
        [257, 65],
      ] as const) {
        const [p, rp] = pair(rows, cols, uniform(rows * cols, 1));
        const [t, rt] = pair(rows, cols, uniform(rows * cols, 2));
        const [g, rg] = pair(rows, cols, new Float32Array(rows * cols));
        const [loss, rloss] = pair(1, 1, Float32Array.of(1));
        cpu.squaredError(p, t, g, loss, 0.5);
        ref.squaredError(rp, rt, rg, rloss, 0.5);
        expectClose(...(await both(g, rg)), 1e-5, 1e-7);
        expectClose(...(await both(loss, rloss)), 1e-5, 0);
      }
    });

    test("columnSums and sumSquares match the reference, accumulating when asked (rtol 1e-5)", async () => {
      for (const [rows, cols] of [
        [1, 1],
        [3, 17],
        [257, 65],
        [65, 2],
      ] as const) {
        const [x, rx] = pair(rows, cols, uniform(rows * cols, rows * cols));
        for (const accumulate of [false, true]) {
          const [out, rout] = pair(1, cols, uniform(cols, 3));
          cpu.columnSums(x, out, accumulate);
          ref.columnSums(rx, rout, accumulate);
          expectClose(...(await both(out, rout)), 1e-5, 1e-6);
        }
        const [acc, racc] = pair(1, 1, Float32Array.of(0.25));
        cpu.sumSquares(x, acc);
        ref.sumSquares(rx, racc);
        expectClose(...(await both(acc, racc)), 1e-6, 0);
      }
    });

    test("adamStep follows sklearn's Adam with the L2 term over several steps (rtol 1e-5, atol 1e-7)", async () => {
      for (const [rows, cols] of [
        [1, 1],
        [3, 17],
        [256, 128],
      ] as const) {
        const n = rows * cols;
        const [w, rw] = pair(rows, cols, uniform(n, 10));
        const [m, rm] = pair(rows, cols, new Float32Array(n));
        const [v, rv] = pair(rows, cols, new Float32Array(n));
        for (let t = 1; t <= 3; t++) {
          const [g, rg] = pair(rows, cols, uniform(n, 20 + t, -0.1, 0.1));
          const params = { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, t, l2: 1e-4 / 200 };
          cpu.adamStep(w, g, m, v, params);
          ref.adamStep(rw, rg, rm, rv, params);
        }
        expectClose(...(await both(w, rw)), 1e-5, 1e-7);
        expectClose(...(await both(m, rm)), 1e-5, 1e-9);
        expectClose(...(await both(v, rv)), 1e-5, 1e-12);
      }
    });

    test("gatherRows copies the indexed rows from an offset and refuses an index past the end", async () => {
      const src = uniform(100 * 3, 4);
      const [s, rs] = pair(100, 3, src);
      const order = Uint32Array.from({ length: 50 }, (_, i) => (i * 37) % 100);
      const idx = cpu.indices(order);
      const [out, rout] = pair(17, 3, new Float32Array(17 * 3));
      cpu.gatherRows(s, idx, 20, out);
      ref.gatherRows(rs, ref.indices(order), 20, rout);
      const [got, want] = await both(out, rout);
      expect(got).toEqual(want);
      cpu.writeIndices(
        idx,
        order.map((i) => (i === 62 ? 100 : i)),
      );
      expect(() => cpu.gatherRows(s, idx, 20, out)).toThrow(RangeError);
      expect(await cpu.read(out)).toEqual(got);
    });

    test("argmax picks the first largest value of each row", async () => {
      const x = cpu.matrix(3, 4, Float32Array.of(1, 5, 5, 2, -3, -2, -9, -2, 0, 0, 0, 0));
      const out = cpu.matrix(3, 1);
      cpu.argmax(x, out);
      expect(await cpu.read(out)).toEqual(Float32Array.of(1, 1, 0));
      const [y, ry] = pair(257, 17, uniform(257 * 17, 9));
      const [o, ro] = pair(257, 1, new Float32Array(257));
      cpu.argmax(y, o);
      ref.argmax(ry, ro);
      const [got, want] = await both(o, ro);
      expect(got).toEqual(want);
    });

    test("fill sets every element and nothing past the matrix", async () => {
      const a = cpu.matrix(3, 3);
      const b = cpu.matrix(1, 5, Float32Array.of(1, 2, 3, 4, 5));
      cpu.fill(a, 0.5);
      expect(await cpu.read(a)).toEqual(new Float32Array(9).fill(0.5));
      expect(await cpu.read(b)).toEqual(Float32Array.of(1, 2, 3, 4, 5));
    });

    test("addInto adds x into acc elementwise, and nothing past the matrix (awkward sizes)", async () => {
      for (const [rows, cols] of [
        [1, 1],
        [3, 17],
        [65, 3],
        [257, 5],
      ] as const) {
        const [x, rx] = pair(rows, cols, uniform(rows * cols, rows));
        const [acc, racc] = pair(rows, cols, uniform(rows * cols, cols));
        const after = cpu.matrix(1, 4, Float32Array.of(1, 2, 3, 4));
        cpu.addInto(x, acc);
        ref.addInto(rx, racc);
        const [got, want] = await both(acc, racc);
        expectClose(got, want, 1e-6, 0);
        expect(await cpu.read(after)).toEqual(Float32Array.of(1, 2, 3, 4));
      }
      expect(() => cpu.addInto(cpu.matrix(2, 3), cpu.matrix(3, 2))).toThrow(ShapeError);
    });

    describe("parallel", () => {
      /** One lane's work: gather its rows, a layer forward, its backward products and a bias gradient. */
      function laneWork(b: Backend, m: LaneMatrices) {
        b.gatherRows(m.src, m.idx, m.offset, m.x);
        b.matmul(m.x, m.w, m.h, false, false);
        b.biasActivation(m.h, m.bias, "relu", m.h);
        b.activationBackward(m.h, m.h, "relu");
        b.matmul(m.x, m.h, m.gw, true, false);
        b.matmul(m.h, m.w, m.dx, false, true);
        b.columnSums(m.h, m.gb);
      }
      interface LaneMatrices {
        src: Matrix;
        idx: IndexVector;
        offset: number;
        x: Matrix;
        w: Matrix;
        bias: Matrix;
        h: Matrix;
        gw: Matrix;
        dx: Matrix;
        gb: Matrix;
      }
      function lanes(b: Backend, count: number, rows: number): LaneMatrices[] {
        const src = b.matrix(300, 65, uniform(300 * 65, 11));
        const idx = b.indices(Uint32Array.from({ length: 300 }, (_, i) => (i * 7) % 300));
        return Array.from({ length: count }, (_, l) => ({
          src,
          idx,
          offset: l * rows,
          x: b.matrix(rows, 65),
          w: b.matrix(65, 257, uniform(65 * 257, 12 + l)),
          bias: b.matrix(1, 257, uniform(257, 20 + l)),
          h: b.matrix(rows, 257),
          gw: b.matrix(65, 257),
          dx: b.matrix(rows, 65),
          gb: b.matrix(1, 257),
        }));
      }
      const outputs = (m: LaneMatrices) => [m.h, m.gw, m.dx, m.gb];

      test("runs each lane's queue (3 lanes on 2 threads) and gives what the same operations give one by one", async () => {
        const serial = lanes(cpu, 3, 97);
        for (const m of serial) laneWork(cpu, m);
        const par = lanes(cpu, 3, 97);
        cpu.parallel(3, (l) => laneWork(cpu, par[l] as LaneMatrices));
        for (let l = 0; l < 3; l++) {
          const want = outputs(serial[l] as LaneMatrices);
          const got = outputs(par[l] as LaneMatrices);
          for (let i = 0; i < want.length; i++) {
            const [a, b] = [await cpu.read(got[i] as Matrix), await cpu.read(want[i] as Matrix)];
            // the same kernels over the same elements in the same order: bit for bit
            expect(bits(a)).toEqual(bits(b));
          }
        }
        // and the reference agrees with both
        const r = lanes(ref, 1, 97)[0] as LaneMatrices;
        laneWork(ref, r);
        expectClose(await cpu.read((par[0] as LaneMatrices).gw), await ref.read(r.gw), 1e-4, 1e-4);
      });

      test("concurrent lanes never share a matmul's scratch: 100 rounds of transposed products match the serial ones", async () => {
        // op(B) transposed is packed into the thread's scratch; a shared scratch shows up within a few rounds
        const make = (l: number) => ({
          h: cpu.matrix(97, 257, uniform(97 * 257, 30 + l)),
          w: cpu.matrix(65, 257, uniform(65 * 257, 40 + l)),
          dx: cpu.matrix(97, 65),
        });
        const par = [make(0), make(1)];
        const want: Float32Array[] = [];
        for (const m of par) {
          const dx = cpu.matrix(97, 65);
          cpu.matmul(m.h, m.w, dx, false, true);
          want.push(await cpu.read(dx));
        }
        let mismatches = 0;
        for (let round = 0; round < 100; round++) {
          cpu.parallel(2, (l) => {
            const m = par[l] as (typeof par)[number];
            for (let i = 0; i < 3; i++) cpu.matmul(m.h, m.w, m.dx, false, true);
          });
          for (let l = 0; l < 2; l++) {
            const got = await cpu.read((par[l] as (typeof par)[number]).dx);
            if (got.some((v, i) => v !== (want[l] as Float32Array)[i])) mismatches++;
          }
        }
        expect(mismatches).toBe(0);
      });

      test("a bad index in one lane throws after every lane is done; the other lanes' results stand", async () => {
        const par = lanes(cpu, 2, 50);
        const bad = cpu.indices(Uint32Array.from({ length: 100 }, (_, i) => (i === 70 ? 999 : i)));
        (par[1] as LaneMatrices).idx = bad;
        expect(() => cpu.parallel(2, (l) => laneWork(cpu, par[l] as LaneMatrices))).toThrow(RangeError);
        const alone = lanes(cpu, 1, 50)[0] as LaneMatrices;
        laneWork(cpu, alone);
        expect(await cpu.read((par[0] as LaneMatrices).gw)).toEqual(await cpu.read(alone.gw));
        // the backend is still usable afterwards
        const again = lanes(cpu, 2, 50);
        cpu.parallel(2, (l) => laneWork(cpu, again[l] as LaneMatrices));
        expect(await cpu.read((again[0] as LaneMatrices).gw)).toEqual(await cpu.read(alone.gw));
      });

      test("a shape error in a body runs nothing; nesting and bad lane counts are refused", async () => {
        const c = cpu.matrix(2, 2, Float32Array.of(1, 2, 3, 4));
        expect(() =>
          cpu.parallel(2, (l) => {
            cpu.fill(c, 9);
            if (l === 1) cpu.matmul(cpu.matrix(2, 3), cpu.matrix(2, 3), c, false, false);
          }),
        ).toThrow(ShapeError);
        expect(await cpu.read(c)).toEqual(Float32Array.of(1, 2, 3, 4));
        expect(() => cpu.parallel(2, () => cpu.parallel(2, () => {}))).toThrow(/inside a parallel/);
        for (const bad of [0, 1.5, 65]) expect(() => cpu.parallel(bad, () => {})).toThrow(RangeError);
        expect(cpu.lanes).toBe(2);
      });
    });

    test("gives bit-identical results run after run", async () => {
      async function run() {
        const x = cpu.matrix(257, 65, uniform(257 * 65, 1));
        const w = cpu.matrix(257, 65, uniform(257 * 65, 2));
        const h = cpu.matrix(257, 257);
        cpu.matmul(x, w, h, false, true);
        cpu.biasActivation(h, cpu.matrix(1, 257, uniform(257, 3)), "tanh", h);
        const s = cpu.matrix(1, 257);
        cpu.columnSums(h, s);
        const p = cpu.matrix(257, 257);
        cpu.softmax(h, p);
        return [await cpu.read(h), await cpu.read(s), await cpu.read(p)];
      }
      const first = await run();
      const second = await run();
      for (let i = 0; i < first.length; i++)
        expect(bits(second[i] as Float32Array)).toEqual(bits(first[i] as Float32Array));
    });

    test("one thread and two threads give bit-identical matmuls", async () => {
      const single = await open(1);
      try {
        expect(single.info.device).toBe(device(1));
        // (each over the 2^20 multiply-adds that go to the workers) split by panels, by row blocks
        // (n too narrow), and unevenly by row blocks with an edge tile
        for (const [m, k, n] of [
          [256, 64, 256],
          [600, 200, 10],
          [99, 257, 47],
        ] as const) {
          const results: Float32Array[] = [];
          for (const backend of [single, cpu]) {
            const a = backend.matrix(k, m, uniform(m * k, m));
            const b = backend.matrix(k, n, uniform(k * n, n));
            const c = backend.matrix(m, n, uniform(m * n, k));
            backend.matmul(a, b, c, true, false, true);
            results.push(await backend.read(c));
          }
          expect(bits(results[1] as Float32Array)).toEqual(bits(results[0] as Float32Array));
        }
      } finally {
        single.dispose();
      }
    });

    test("reuses released memory: allocating 5 GiB in 128 MiB steps fits under the 4 GiB limit", async () => {
      const big = 8192 * 4096; // 128 MiB of f32
      for (let i = 0; i < 40; i++) {
        const m = cpu.matrix(8192, 4096);
        if (i === 39) {
          cpu.fill(m, 2);
          expect((await cpu.read(m))[big - 1]).toBe(2);
        }
        cpu.release(m);
      }
      // a reused block is zeroed again for a new matrix
      const a = cpu.matrix(10, 10);
      cpu.fill(a, 7);
      cpu.release(a);
      expect(await cpu.read(cpu.matrix(10, 10))).toEqual(new Float32Array(100));
    });

    test("holds a 100k×32 dataset and a (256, 128) MLP and gathers batches from it", async () => {
      const rows = 100_000;
      const data = uniform(rows * 32, 5);
      const x = cpu.matrix(rows, 32, data);
      const w1 = cpu.matrix(32, 256, uniform(32 * 256, 6));
      const w2 = cpu.matrix(256, 128, uniform(256 * 128, 7));
      const idx = cpu.indices(Uint32Array.from({ length: rows }, (_, i) => rows - 1 - i));
      const batch = cpu.matrix(200, 32);
      cpu.gatherRows(x, idx, 0, batch);
      const h1 = cpu.matrix(200, 256);
      const h2 = cpu.matrix(200, 128);
      cpu.matmul(batch, w1, h1, false, false);
      cpu.matmul(h1, w2, h2, false, false);
      expect((await cpu.read(batch)).subarray(0, 32)).toEqual(data.subarray((rows - 1) * 32));
      expect((await cpu.read(h2)).every(Number.isFinite)).toBe(true);
      for (const m of [x, w1, w2, idx, batch, h1, h2]) cpu.release(m);
    });

    test("throws ShapeError on mismatched shapes before running anything", async () => {
      const a = cpu.matrix(3, 4);
      const b = cpu.matrix(5, 6);
      const row = cpu.matrix(1, 4);
      const col = cpu.matrix(3, 1);
      const one = cpu.matrix(1, 1);
      const cases: [string, () => void][] = [
        ["matrix data length", () => cpu.matrix(2, 2, new Float32Array(3))],
        ["matrix negative rows", () => cpu.matrix(-1, 2)],
        ["write length", () => cpu.write(a, new Float32Array(11))],
        ["matmul inner", () => cpu.matmul(a, b, cpu.matrix(3, 6), false, false)],
        ["matmul C", () => cpu.matmul(a, a, cpu.matrix(3, 4), false, true)],
        ["biasActivation bias", () => cpu.biasActivation(a, cpu.matrix(1, 3), "relu", a)],
        ["biasActivation out", () => cpu.biasActivation(a, row, "relu", b)],
        ["activationBackward", () => cpu.activationBackward(a, b, "tanh")],
        ["softmaxCrossEntropy labels", () => cpu.softmaxCrossEntropy(a, row, a, a, one, 1)],
        ["softmaxCrossEntropy grad", () => cpu.softmaxCrossEntropy(a, col, a, b, one, 1)],
        ["squaredError", () => cpu.squaredError(a, b, a, one, 1)],
        ["columnSums", () => cpu.columnSums(a, col)],
        ["adamStep", () => cpu.adamStep(a, a, a, b, { lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1, l2: 0 })],
        ["gatherRows cols", () => cpu.gatherRows(a, cpu.indices(Uint32Array.of(0, 1)), 0, cpu.matrix(2, 3))],
        [
          "gatherRows past the indices",
          () => cpu.gatherRows(a, cpu.indices(Uint32Array.of(0, 1)), 1, cpu.matrix(2, 4)),
        ],
        ["softmax", () => cpu.softmax(a, b)],
        ["argmax", () => cpu.argmax(a, row)],
      ];
      for (const [what, run] of cases) expect({ what, error: thrown(run) }).toEqual({ what, error: "ShapeError" });
      expect(await cpu.read(a)).toEqual(new Float32Array(12));
    });

    test("refuses a released matrix, a matmul writing into its input, and use after dispose", async () => {
      const a = cpu.matrix(4, 4);
      expect(() => cpu.matmul(a, a, a, false, false)).toThrow(/must not be A or B/);
      cpu.release(a);
      expect(() => cpu.fill(a, 1)).toThrow(/after release/);
      expect(cpu.read(a)).rejects.toThrow(/after release/);
      const other = await open(1);
      const b = other.matrix(1, 1);
      expect(() => cpu.fill(b, 1)).toThrow(/another backend/);
      other.dispose();
      expect(() => other.matrix(1, 1)).toThrow(/after dispose/);
    });
  });
}

function thrown(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ShapeError ? "ShapeError" : String(error);
  }
  return undefined;
}
