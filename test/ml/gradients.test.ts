import { describe, expect, test } from "bun:test";
import type { Activation } from "../../src/compute/backend";
import { lossAndGradients } from "../../src/ml/gradients";
import type { DenseLayer, MlpModel } from "../../src/ml/model";
import { initLayers } from "../../src/ml/model";
import { Random } from "../../src/ml/random";
import { ReferenceBackend } from "../compute/reference";

// A tiny net on the float64 reference backend: 5 rows × 3 features, hidden (4, 3).
const ROWS = 5;
const FEATURES = 3;
const ALPHA = 0.1;

function tinyProblem(task: MlpModel["task"], activation: Activation, seed: number) {
  const rng = new Random(seed);
  // One regression output: for several, sklearn reports mean((p-y)²)/2 over rows×outputs while its
  // gradient is that of Σ(p-y)²/(2·rows), so the reported loss is not the one being differentiated.
  const outputs = task === "classification" ? 3 : 1;
  const layers = initLayers([FEATURES, 4, 3, outputs], activation, rng);
  const x = Float32Array.from({ length: ROWS * FEATURES }, () => rng.uniform(-2, 2));
  const classes = [0, 1, 2];
  const y =
    task === "classification"
      ? Array.from({ length: ROWS }, (_, i) => i % 3)
      : Array.from({ length: ROWS * outputs }, () => rng.uniform(-1, 1));
  return { model: { task, activation, layers, classes }, x, y };
}

/** central difference of the loss in every parameter, dividing by the step f32 actually took */
async function numericGradients(problem: ReturnType<typeof tinyProblem>) {
  const b = new ReferenceBackend();
  // Small enough that no relu pre-activation of this seed crosses 0 within ±h·|x| (the kink).
  const h = 1e-3;
  const lossAt = async () => (await lossAndGradients(b, problem.model, problem.x, problem.y, ALPHA)).loss;
  const perturb = async (arr: Float32Array) => {
    const g = new Float32Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const w = arr[i] as number;
      arr[i] = w + h;
      const up = arr[i] as number;
      const lp = await lossAt();
      arr[i] = w - h;
      const down = arr[i] as number;
      const lm = await lossAt();
      arr[i] = w;
      g[i] = (lp - lm) / (up - down);
    }
    return g;
  };
  const weightGrads: Float32Array[] = [];
  const biasGrads: Float32Array[] = [];
  for (const layer of problem.model.layers as DenseLayer[]) {
    weightGrads.push(await perturb(layer.weights));
    biasGrads.push(await perturb(layer.bias));
  }
  return { weightGrads, biasGrads };
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string) {
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    // f32 read-back of a loss near 1 limits the difference quotient to ~1e-4 absolute.
    if (Math.abs(a - e) > 2e-4 + 1e-3 * Math.abs(e)) throw new Error(`${what}[${i}]: analytic ${a}, numeric ${e}`);
  }
}

describe("gradients", () => {
  for (const task of ["classification", "regression"] as const) {
    for (const activation of ["relu", "tanh", "logistic"] as const) {
      test(`backprop matches central differences (${task}, ${activation}, L2)`, async () => {
        const problem = tinyProblem(task, activation, 7);
        const analytic = await lossAndGradients(new ReferenceBackend(), problem.model, problem.x, problem.y, ALPHA);
        const numeric = await numericGradients(problem);
        analytic.weightGrads.forEach((g, l) => {
          expectClose(g, numeric.weightGrads[l] as Float32Array, `dW${l}`);
        });
        analytic.biasGrads.forEach((g, l) => {
          expectClose(g, numeric.biasGrads[l] as Float32Array, `db${l}`);
        });
        expect(analytic.weightGrads.some((g) => g.some((v) => Math.abs(v) > 1e-3))).toBe(true);
      });
    }
  }

  test("reports sklearn's batch loss: mean cross-entropy plus 0.5·α·ΣW²/rows", async () => {
    // One layer, zero weights: every class gets probability 1/3, so the data loss is ln 3.
    const layer = { weights: new Float32Array(6), bias: new Float32Array(3), rows: 2, cols: 3 };
    const model = { task: "classification" as const, activation: "relu" as const, layers: [layer], classes: [0, 1, 2] };
    const x = Float32Array.from([1, 2, 3, 4]);
    const plain = await lossAndGradients(new ReferenceBackend(), model, x, [0, 2], 0.5);
    expect(plain.loss).toBeCloseTo(Math.log(3), 6);
    layer.weights.fill(1);
    const withL2 = await lossAndGradients(new ReferenceBackend(), model, x, [0, 2], 0.5);
    expect(withL2.loss).toBeCloseTo(Math.log(3) + (0.5 * 0.5 * 6) / 2, 5);
  });
});
