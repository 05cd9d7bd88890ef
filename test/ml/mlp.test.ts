import { describe, expect, test } from "bun:test";
import type { Backend } from "../../src/compute/backend";
import { createCpuBackend } from "../../src/compute/cpu";
import { createNativeBackend, NATIVE_ISAS } from "../../src/compute/native";
import { lossAndGradients } from "../../src/ml/gradients";
import { accuracy } from "../../src/ml/metrics";
import { type MlpOptions, predict, predictLabels, stepLanes, TrainingError, trainMlp } from "../../src/ml/mlp";
import { initLayers, type Label } from "../../src/ml/model";
import { predictHost } from "../../src/ml/predict";
import { Random } from "../../src/ml/random";
import { ReferenceBackend } from "../compute/reference";
import { loadPair } from "./data";

/** n rows of 4 features; class = which of two linear scores is larger, so a tiny net can learn it */
function blobs(n: number, seed: number) {
  const rng = new Random(seed);
  const x = Float32Array.from({ length: n * 4 }, () => rng.uniform(-1, 1));
  const y: Label[] = Array.from({ length: n }, (_, i) =>
    (x[i * 4] as number) + (x[i * 4 + 1] as number) > 0 ? "a" : "b",
  );
  return { x, rows: n, cols: 4, y };
}

const ref = () => new ReferenceBackend();

/** The reference backend claiming `lanes` lanes: it runs them one after another, so only the split is tested. */
class LanedReference extends ReferenceBackend {
  override readonly lanes: number;
  constructor(lanes: number) {
    super();
    this.lanes = lanes;
  }
}
const small: MlpOptions = { task: "classification", hidden: [5], maxIter: 5, seed: 3 };

describe("trainMlp", () => {
  test("applies Adam steps exactly as sklearn (bias correction, t per step, L2 = α/batch on weights only)", async () => {
    const data = blobs(8, 1);
    const opts = { lr: 0.01, alpha: 0.3, b1: 0.9, b2: 0.999, eps: 1e-8 };
    // Two steps of 4 rows without shuffling: the only random draws are the initial weights.
    const model = await trainMlp(ref(), data, {
      ...small,
      maxIter: 1,
      batchSize: 4,
      shuffle: false,
      learningRate: opts.lr,
      alpha: opts.alpha,
    });
    const layers = initLayers([4, 5, 2], "relu", new Random(3));
    const moments = layers.map((l) => ({
      mw: new Float64Array(l.weights.length),
      vw: new Float64Array(l.weights.length),
      mb: new Float64Array(l.cols),
      vb: new Float64Array(l.cols),
    }));
    const adam = (p: Float32Array, g: Float32Array, m: Float64Array, v: Float64Array, t: number) => {
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] as number;
        m[i] = opts.b1 * (m[i] as number) + (1 - opts.b1) * gi;
        v[i] = opts.b2 * (v[i] as number) + (1 - opts.b2) * gi * gi;
        const lrT = (opts.lr * Math.sqrt(1 - opts.b2 ** t)) / (1 - opts.b1 ** t);
        p[i] = (p[i] as number) - (lrT * (m[i] as number)) / (Math.sqrt(v[i] as number) + opts.eps);
      }
    };
    for (const t of [1, 2]) {
      const rows = [(t - 1) * 4, t * 4] as const;
      const g = await lossAndGradients(
        ref(),
        { task: "classification", activation: "relu", layers, classes: ["a", "b"] },
        data.x.slice(rows[0] * 4, rows[1] * 4),
        data.y.slice(rows[0], rows[1]),
        opts.alpha,
      );
      layers.forEach((l, i) => {
        const s = moments[i] as (typeof moments)[number];
        adam(l.weights, g.weightGrads[i] as Float32Array, s.mw, s.vw, t);
        adam(l.bias, g.biasGrads[i] as Float32Array, s.mb, s.vb, t);
      });
    }
    model.layers.forEach((l, i) => {
      const want = layers[i] as (typeof layers)[number];
      for (let j = 0; j < l.weights.length; j++) expect(l.weights[j]).toBeCloseTo(want.weights[j] as number, 6);
      for (let j = 0; j < l.bias.length; j++) expect(l.bias[j]).toBeCloseTo(want.bias[j] as number, 6);
    });
  });

  test("gives identical models for the same seed and different ones for another seed", async () => {
    const data = blobs(50, 2);
    const a = await trainMlp(ref(), data, { ...small, batchSize: 16 });
    const b = await trainMlp(ref(), data, { ...small, batchSize: 16 });
    const c = await trainMlp(ref(), data, { ...small, batchSize: 16, seed: 4 });
    expect(b.lossCurve).toEqual(a.lossCurve);
    expect(b.layers).toEqual(a.layers);
    expect(c.layers[0]?.weights).not.toEqual(a.layers[0]?.weights);
  });

  test("stops on the training-loss rule after n_iter_no_change + 1 epochs without a tol improvement", async () => {
    const m = await trainMlp(ref(), blobs(20, 3), { ...small, maxIter: 100, tol: 10, nIterNoChange: 4 });
    // epoch 1 sets best_loss; epochs 2..6 fail to beat it by 10, and 5 > 4 stops.
    expect(m.nIter).toBe(6);
  });

  test("early stopping stops on the validation score and restores the best epoch's weights", async () => {
    const data = blobs(120, 5);
    const opts: MlpOptions = { ...small, maxIter: 300, earlyStopping: true, learningRate: 0.05, nIterNoChange: 5 };
    const stopped = await trainMlp(ref(), data, opts);
    const scores = stopped.validationScores as number[];
    expect(stopped.nIter).toBeLessThan(300);
    expect(scores.length).toBe(stopped.nIter);
    expect(stopped.bestValidationScore).toBe(Math.max(...scores));
    // The same run cut at the best epoch ends on the best weights; the stopped run must return them too.
    const bestEpoch = scores.indexOf(Math.max(...scores)) + 1;
    expect(bestEpoch).toBeLessThan(stopped.nIter);
    const cut = await trainMlp(ref(), data, { ...opts, maxIter: bestEpoch });
    expect(stopped.layers).toEqual(cut.layers);
  });

  test("reports progress every epoch and can be cancelled between epochs", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = trainMlp(ref(), blobs(30, 6), {
      ...small,
      maxIter: 50,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.epoch);
        expect(Number.isFinite(p.loss)).toBe(true);
        expect(p.validationScore).toBeNull();
        if (p.epoch === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: "TrainingError", code: "cancelled" });
    expect(seen).toEqual([1, 2, 3]);
  });

  test("rejects bad input with a TrainingError naming the problem", async () => {
    const good = blobs(10, 7);
    const cases: [Partial<typeof good>, MlpOptions, RegExp][] = [
      [{ x: Float32Array.from(good.x).fill(Number.NaN, 5, 6) }, small, /non-finite value \(NaN\) at row 1, column 1/],
      [{ x: Float32Array.from(good.x).fill(Infinity, 0, 1) }, small, /non-finite value \(Infinity\)/],
      [{ x: new Float32Array(0), rows: 0 }, small, /no rows/],
      [{ y: good.y.map(() => "a") }, small, /at least 2 classes/],
      [{}, { ...small, hidden: [4, 0] }, /positive integers/],
      [{}, { ...small, hidden: [2.5] }, /positive integers/],
      [{}, { ...small, batchSize: 0 }, /batch size/],
      [{}, { ...small, maxIter: 0 }, /epochs/],
      [
        { y: [1, 2, Number.NaN, 4, 5, 6, 7, 8, 9, 10] },
        { ...small, task: "regression" },
        /non-finite value \(NaN\) at row 2/,
      ],
    ];
    for (const [patch, opts, message] of cases) {
      const run = trainMlp(ref(), { ...good, ...patch }, opts);
      await expect(run).rejects.toBeInstanceOf(TrainingError);
      await expect(run).rejects.toThrow(message);
    }
  });

  test("fails with 'diverged' instead of returning a NaN model, on the reference, wasm and every native path", async () => {
    const { x, rows, cols } = blobs(40, 8);
    const y = Array.from({ length: rows }, (_, i) => 1e20 * (x[i * 4] as number));
    const opens: [string, () => Promise<Backend>][] = [
      ["reference", async () => ref()],
      ["wasm", () => createCpuBackend({ threads: 2 })],
      ...NATIVE_ISAS.map((isa): [string, () => Promise<Backend>] => [
        isa,
        () => createNativeBackend({ threads: 2, isa }),
      ]),
    ];
    for (const [name, open] of opens) {
      const backend = await open();
      try {
        const run = trainMlp(backend, { x, rows, cols, y }, { ...small, task: "regression", learningRate: 1e6 });
        expect({ name, error: await run.then(() => "none").catch((e) => e.code) }).toEqual({ name, error: "diverged" });
      } finally {
        backend.dispose();
      }
    }
  });

  test("learns a regression target (R² close to 1 on a linear function)", async () => {
    const { x, rows, cols } = blobs(200, 9);
    const y = Array.from({ length: rows }, (_, i) => 2 * (x[i * 4] as number) - (x[i * 4 + 2] as number));
    const m = await trainMlp(
      ref(),
      { x, rows, cols, y },
      { task: "regression", hidden: [8], maxIter: 200, learningRate: 0.01, earlyStopping: true, seed: 1 },
    );
    expect(m.bestValidationScore as number).toBeGreaterThan(0.95);
    const pred = await predict(ref(), m, x);
    expect(pred.length).toBe(rows);
  });

  test("predicts the same on the device path and the host path", async () => {
    const data = blobs(100, 10);
    const m = await trainMlp(ref(), data, small);
    const device = await predict(ref(), m, data.x); // 100 rows > the host threshold
    const host = predictHost(m, data.x);
    for (let i = 0; i < host.length; i++) expect(device[i]).toBeCloseTo(host[i] as number, 5);
    const sums = Array.from({ length: 100 }, (_, r) => (host[2 * r] as number) + (host[2 * r + 1] as number));
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
  });

  // sklearn numbers from: /usr/bin/python3 bench/sklearn_mlp.py --train ../shared/data/iris_train.csv
  //   --test ../shared/data/iris_test.csv --target species --hidden 32 --epochs 1000 --scale --seeds 0,1,2,3,4,5,6,7
  // (sklearn 1.2.1, float32, tol=0): accuracy 1.0 for all 8 seeds; final loss 0.0578–0.0615.
  test("iris accuracy matches sklearn's on the same settings", async () => {
    const { train, test } = loadPair("iris", "species");
    const m = await trainMlp(ref(), train, {
      task: "classification",
      hidden: [32],
      maxIter: 1000,
      tol: 0,
      nIterNoChange: 2000,
      seed: 0,
    });
    const acc = accuracy(test.y, predictLabels(m, await predict(ref(), m, test.x)));
    // The test set has 30 rows, so one row (3.3 points) is the finest difference there is.
    expect(Math.abs(acc - 1.0)).toBeLessThanOrEqual(1 / 30 + 1e-9);
    expect(m.lossCurve.at(-1) as number).toBeGreaterThan(0.045);
    expect(m.lossCurve.at(-1) as number).toBeLessThan(0.075);
  });

  // /usr/bin/python3 bench/sklearn_mlp.py --train ../shared/data/digits_train.csv --test ../shared/data/digits_test.csv
  //   --target label --hidden 32 --epochs 60 --batch 200 --scale --seeds 0,1,2,3,4,5,6,7
  // (sklearn 1.2.1): accuracy mean 0.9587 (std 0.0029, range 0.9528–0.9611); final loss 0.081–0.100.
  test("digits accuracy is within 1 point of sklearn's on the same settings", async () => {
    const { train, test } = loadPair("digits", "label");
    const m = await trainMlp(ref(), train, {
      task: "classification",
      hidden: [32],
      maxIter: 60,
      batchSize: 200,
      tol: 0,
      nIterNoChange: 100,
      seed: 0,
    });
    const acc = accuracy(test.y, predictLabels(m, await predict(ref(), m, test.x)));
    expect(Math.abs(acc - 0.9587)).toBeLessThanOrEqual(0.01);
    expect(m.lossCurve.at(-1) as number).toBeGreaterThan(0.07);
    expect(m.lossCurve.at(-1) as number).toBeLessThan(0.11);
  }, 20_000);

  test("splits a large batch into lanes: the same model as one lane, to float rounding", async () => {
    // 64 features, (128): 8,448 multiply-adds a row, so a 128-row batch goes to min(3, 128 / 32) lanes;
    // the 44-row tail stays on one
    expect(stepLanes(3, 128, [64, 128, 2])).toBe(3);
    expect(stepLanes(3, 44, [64, 128, 2])).toBe(1);
    const rng = new Random(5);
    const x = Float32Array.from({ length: 300 * 64 }, () => rng.uniform(-1, 1));
    const y: Label[] = Array.from({ length: 300 }, (_, i) => ((x[i * 64] as number) > 0 ? "a" : "b"));
    const data = { x, rows: 300, cols: 64, y };
    const opts: MlpOptions = {
      task: "classification",
      hidden: [128],
      maxIter: 2,
      batchSize: 128,
      seed: 1,
      alpha: 0.01,
    };
    const one = await trainMlp(ref(), data, opts);
    const three = await trainMlp(new LanedReference(3), data, opts);
    for (let e = 0; e < one.lossCurve.length; e++) {
      expect(Math.abs((three.lossCurve[e] as number) - (one.lossCurve[e] as number))).toBeLessThan(1e-6);
    }
    for (let l = 0; l < one.layers.length; l++) {
      const [a, b] = [one.layers[l]?.weights as Float32Array, three.layers[l]?.weights as Float32Array];
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  test("stepLanes keeps small steps on one lane and never gives a lane fewer than 32 rows", () => {
    expect(stepLanes(1, 200, [64, 128, 64, 10])).toBe(1);
    expect(stepLanes(2, 200, [64, 128, 64, 10])).toBe(2);
    expect(stepLanes(8, 200, [32, 256, 128, 5])).toBe(6);
    expect(stepLanes(2, 200, [4, 32, 3])).toBe(1); // iris: far too little work per step
    expect(stepLanes(2, 40, [512, 512, 10])).toBe(1);
  });

  test.each([
    ["wasm", (threads: number) => createCpuBackend({ threads })],
    ["native", (threads: number) => createNativeBackend({ threads })],
  ] as const)(
    "on 2 %s CPU threads a digits fit in lanes repeats bit for bit and agrees with 1 thread",
    async (_, open) => {
      const { train, test } = loadPair("digits", "label");
      const opts: MlpOptions = { task: "classification", hidden: [128], maxIter: 15, batchSize: 200, tol: 0 };
      expect(stepLanes(2, 200, [64, 128, 10])).toBe(2);
      const [two, one] = [await open(2), await open(1)];
      try {
        const a = await trainMlp(two, train, opts);
        const b = await trainMlp(two, train, opts);
        expect(b.layers).toEqual(a.layers);
        const c = await trainMlp(one, train, opts);
        for (let e = 0; e < a.lossCurve.length; e++) {
          const [la, lc] = [a.lossCurve[e] as number, c.lossCurve[e] as number];
          expect(Math.abs(la - lc)).toBeLessThan(1e-4 * lc);
        }
        const acc = async (m: typeof a) => accuracy(test.y, predictLabels(m, await predict(two, m, test.x)));
        expect(Math.abs((await acc(a)) - (await acc(c)))).toBeLessThanOrEqual(0.005);
      } finally {
        two.dispose();
        one.dispose();
      }
    },
    30_000,
  );

  test("on the CPU backend: the same seed gives identical models, and digits matches the reference run", async () => {
    const { train, test } = loadPair("digits", "label");
    const opts: MlpOptions = {
      task: "classification",
      hidden: [32],
      maxIter: 60,
      batchSize: 200,
      tol: 0,
      nIterNoChange: 100,
    };
    const cpu = await createCpuBackend({ threads: 2 });
    try {
      const a = await trainMlp(cpu, train, opts);
      const b = await trainMlp(cpu, train, opts);
      expect(b.layers).toEqual(a.layers);
      const acc = accuracy(test.y, predictLabels(a, await predict(cpu, a, test.x)));
      // sklearn: 0.9587 mean over 8 seeds on these settings (command above)
      expect(Math.abs(acc - 0.9587)).toBeLessThanOrEqual(0.01);
    } finally {
      cpu.dispose();
    }
  }, 20_000);
});
