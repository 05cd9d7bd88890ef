/**
 * The native forward pass for a served request (kernels/native/forward_small.c) against predictHost
 * (src/ml/predict.ts), its TypeScript reference, on random networks: 1–3 hidden layers, every hidden
 * activation, classification and regression, 1–8 rows, on every ISA this CPU runs. Under CI a
 * missing library fails here; elsewhere these tests are skipped.
 */
import { describe, expect, test } from "bun:test";
import { ACTIVATIONS, type Activation } from "../../src/compute/backend";
import { loadNativeLibrary, NATIVE_ISAS, type NativeLibrary } from "../../src/compute/native/library";
import { smallForward } from "../../src/compute/native/small-forward";
import type { MlpModel, Task } from "../../src/ml/model";
import { HOST_PREDICT_MAX_ROWS, predictHost64 } from "../../src/ml/predict";
import { Random } from "../../src/ml/random";

async function library(): Promise<NativeLibrary | undefined> {
  try {
    return await loadNativeLibrary();
  } catch (err) {
    if (process.env.CI) throw new Error(`CI: the native kernels must build and load: ${(err as Error).message}`);
    console.warn(`skipping the native forward tests: ${(err as Error).message}`);
    return undefined;
  }
}

const lib = await library();
const random = new Random(7);

/** A network of the given widths with weights and biases uniform in ±scale (f32). */
function randomModel(widths: number[], activation: Activation, task: Task, scale = 1): MlpModel {
  const layers = widths.slice(1).map((cols, i) => {
    const rows = widths[i] as number;
    const weights = Float32Array.from({ length: rows * cols }, () => random.uniform(-scale, scale));
    const bias = Float32Array.from({ length: cols }, () => random.uniform(-scale, scale));
    return { rows, cols, weights, bias };
  });
  const nOutputs = widths[widths.length - 1] as number;
  return {
    task,
    ...(task === "classification" ? { classes: Array.from({ length: nOutputs }, (_, i) => i) } : {}),
    activation,
    nFeatures: widths[0] as number,
    nOutputs,
    layers,
    nIter: 0,
    lossCurve: [],
  };
}

/** Random inputs, about a fifth of them exactly zero (the pass skips those products). */
const randomRows = (rows: number, width: number) =>
  Float32Array.from({ length: rows * width }, () => (random.nextFloat() < 0.2 ? 0 : random.uniform(-3, 3)));

const argmaxes = (out: ArrayLike<number>, rows: number, k: number) =>
  Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < k; c++) if ((out[r * k + c] as number) > (out[r * k + best] as number)) best = c;
    return best;
  });

const runs = (isa: number) => lib?.ml_isa_supported(isa) === 1;

for (const [isa, isaName] of NATIVE_ISAS.entries()) {
  describe.skipIf(!lib || !runs(isa))(`native small forward (${isaName})`, () => {
    const shapes = [
      [5, 3],
      [7, 4, 2],
      [64, 128, 64, 10],
      [13, 9, 17, 5, 1],
      [3, 1, 6],
      // 40 and 70 columns: summed 32 at a time, then the rest
      [9, 40, 70, 4],
    ];
    for (const task of ["classification", "regression"] as Task[]) {
      for (const activation of ACTIVATIONS) {
        test(`${task}, ${activation}: equals predictHost to 1e-12 over 1..8 rows`, () => {
          for (const shape of shapes) {
            const widths = task === "regression" ? [...shape.slice(0, -1), 1] : shape;
            const model = randomModel(widths, activation, task);
            const net = smallForward(
              { lib: lib as NativeLibrary, isa },
              { layers: model.layers, activation: ACTIVATIONS.indexOf(activation), softmax: task === "classification" },
              HOST_PREDICT_MAX_ROWS,
            );
            for (let rows = 1; rows <= HOST_PREDICT_MAX_ROWS; rows++) {
              const x = randomRows(rows, model.nFeatures);
              const want = predictHost64(model, x);
              net.input.set(x);
              net.output.fill(Number.NaN);
              net.run(rows);
              const got = net.output.subarray(0, rows * model.nOutputs);
              for (let i = 0; i < got.length; i++) {
                const w = want[i] as number;
                expect(Number.isFinite(got[i])).toBe(true);
                expect(Math.abs((got[i] as number) - w)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w)));
              }
              // the rows past `rows` are not written
              if (rows < HOST_PREDICT_MAX_ROWS) expect(net.output[rows * model.nOutputs]).toBeNaN();
              if (task === "classification") {
                expect(argmaxes(got, rows, model.nOutputs)).toEqual(argmaxes(want, rows, model.nOutputs));
              }
            }
          }
        });
      }
    }

    test("a NaN input makes its row's probabilities NaN, as the host pass does", () => {
      const model = randomModel([4, 6, 3], "relu", "classification");
      const net = smallForward(
        { lib: lib as NativeLibrary, isa },
        { layers: model.layers, activation: 1, softmax: true },
        2,
      );
      const x = randomRows(2, 4);
      x[5] = Number.NaN;
      net.input.set(x);
      net.run(2);
      const want = predictHost64(model, x);
      expect([...net.output].map(Number.isNaN)).toEqual([...want].map(Number.isNaN));
      expect(Number.isNaN(net.output[0])).toBe(false);
      expect(Number.isNaN(net.output[3])).toBe(true);
    });

    test("more rows than it was built for are refused", () => {
      const model = randomModel([2, 2], "identity", "regression");
      const net = smallForward(
        { lib: lib as NativeLibrary, isa },
        { layers: model.layers, activation: 0, softmax: false },
        2,
      );
      expect(() => net.run(3)).toThrow(RangeError);
      expect(() => net.run(0)).toThrow(RangeError);
    });
  });
}
