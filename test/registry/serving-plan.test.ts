/**
 * predictRows through a version's serving plan (compiled encoder + native pass) against the way it
 * answered before the plan existed (encodeRows + predictHost), and against the plan without the
 * native library (the fallback), and predictOne against predictRows.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ACTIVATIONS, type Activation } from "../../src/compute/backend";
import { nativeForwardLibrary, setNativeForward } from "../../src/compute/native/small-forward";
import { encodeRows, FeatureError, type FeatureSpec, inferSpec, type Row } from "../../src/ml/features";
import type { MlpModel, Task } from "../../src/ml/model";
import { predictHost } from "../../src/ml/predict";
import { Random } from "../../src/ml/random";
import type { ModelArtifact } from "../../src/registry/artifact";
import {
  type LoadedVersion,
  type Prediction,
  predictionsOf,
  predictOne,
  predictRows,
} from "../../src/registry/serving";
import { servingPlan } from "../../src/registry/serving-plan";
import { csvRows, startService } from "../ml-service/helpers";

const random = new Random(11);
const noBackend = () => Promise.reject(new Error("a small batch must not ask for the backend"));

afterEach(() => setNativeForward(true));

function artifactOf(spec: FeatureSpec, hidden: number[], activation: Activation, task: Task): ModelArtifact {
  const widths = [spec.width, ...hidden, task === "classification" ? 3 : 1];
  const layers = widths.slice(1).map((cols, i) => {
    const rows = widths[i] as number;
    return {
      rows,
      cols,
      weights: Float32Array.from({ length: rows * cols }, () => random.uniform(-1, 1)),
      bias: Float32Array.from({ length: cols }, () => random.uniform(-1, 1)),
    };
  });
  const model: MlpModel = {
    task,
    ...(task === "classification" ? { classes: ["setosa", "versicolor", "virginica"] } : {}),
    activation,
    nFeatures: spec.width,
    nOutputs: widths[widths.length - 1] as number,
    layers,
    nIter: 1,
    lossCurve: [1],
  };
  return {
    modelKey: "m",
    version: "v1",
    createdAt: new Date(0).toISOString(),
    spec,
    target: { field: "y", task, ...(task === "regression" ? { mean: 3.5, std: 2 } : {}) },
    model,
  };
}

/** predictRows as it was before serving plans: encodeRows and predictHost, then the same shaping of the outputs. */
function before(a: ModelArtifact, rows: Row[]): Prediction[] {
  return predictionsOf(a, predictHost(a.model, encodeRows(a.spec, rows)));
}

const loaded = (artifact: ModelArtifact): LoadedVersion => ({
  modelKey: "m",
  version: "v1",
  artifact: { ...artifact },
  loadedAt: new Date(),
});

const iris = csvRows("iris_train.csv").map(({ species: _, ...f }) => f as Row);
const spec = inferSpec(iris, Object.keys(iris[0] as Row));
const sample = (n: number) => Array.from({ length: n }, () => iris[random.int(iris.length)] as Row);
// a runtime made earlier in this process under ML_COMPUTE=cpu-wasm may have turned it off
setNativeForward(true);
const hasNative = (await nativeForwardLibrary()) !== null;

describe("predictRows through the serving plan", () => {
  for (const task of ["classification", "regression"] as Task[]) {
    for (const activation of ACTIVATIONS) {
      test(`${task}, ${activation}: the same answers as before, natively and without the library`, async () => {
        const artifact = artifactOf(spec, [16, 8], activation, task);
        for (let n = 1; n <= 8; n++) {
          const rows = sample(n);
          const want = before(artifact, rows);
          setNativeForward(true);
          const v = loaded(artifact);
          expect(servingPlan(v.artifact).native !== null).toBe(hasNative);
          const got = await predictRows(noBackend, v, rows);
          expect(got.map((p) => p.prediction)).toEqual(want.map((p) => p.prediction));
          got.forEach((p, i) => {
            const w = want[i] as Prediction;
            if (task === "regression") expect(p.prediction as number).toBeCloseTo(w.prediction as number, 5);
            else {
              expect(p.confidence as number).toBeCloseTo(w.confidence as number, 6);
              for (const [c, s] of Object.entries(w.all_scores ?? {})) expect(p.all_scores?.[c]).toBeCloseTo(s, 6);
            }
          });
          // without the native library: predictHost itself, so exactly the old answers
          setNativeForward(false);
          const fallback = loaded(artifact);
          expect(servingPlan(fallback.artifact).native).toBeNull();
          expect(await predictRows(noBackend, fallback, rows)).toEqual(want);
        }
      });
    }
  }

  test("predictOne answers as predictRows does, scores in class order", async () => {
    for (const task of ["classification", "regression"] as Task[]) {
      for (const native of [true, false]) {
        setNativeForward(native);
        const v = loaded(artifactOf(spec, [12], "tanh", task));
        for (const row of sample(20)) {
          const [want] = await predictRows(noBackend, v, [row]);
          const one = predictOne(v, row);
          expect(one.prediction).toEqual(want?.prediction as string | number);
          expect(one.confidence).toBe(want?.confidence as number | null);
          if (task === "classification") {
            expect([...(one.scores ?? [])]).toEqual(Object.values(want?.all_scores ?? {}));
            expect(v.artifact.model.classes?.[one.index]).toBe(want?.prediction as string);
          } else expect(one.scores).toBeNull();
        }
      }
    }
  });

  test("a bad row: the same FeatureError from predictOne and predictRows, and the next row still answers", async () => {
    const v = loaded(artifactOf(spec, [8], "relu", "classification"));
    const bad = { ...(iris[0] as Row), petal_width: "wide" };
    const { sepal_length: _, ...absent } = iris[0] as Row;
    for (const row of [bad, absent]) {
      const rowsError = await predictRows(noBackend, v, [row]).catch((e) => e);
      expect(rowsError).toBeInstanceOf(FeatureError);
      let oneError: unknown;
      try {
        predictOne(v, row);
      } catch (e) {
        oneError = e;
      }
      expect(oneError).toBeInstanceOf(FeatureError);
      expect((oneError as FeatureError).message).toBe(rowsError.message);
      expect((oneError as FeatureError).details).toEqual(rowsError.details);
    }
    const good = iris[1] as Row;
    expect(predictOne(v, good).prediction).toEqual(before(v.artifact, [good])[0]?.prediction as string);
  });

  test("a service under ML_COMPUTE=cpu-wasm serves with the TypeScript pass, the default one natively", async () => {
    for (const [env, native] of [
      [{ ML_COMPUTE: "cpu-wasm" }, false],
      [{}, hasNative],
    ] as const) {
      const svc = await startService(env);
      try {
        const v = loaded(artifactOf(spec, [4], "relu", "classification"));
        expect(servingPlan(v.artifact).native !== null).toBe(native);
      } finally {
        await svc.close();
      }
    }
  });

  test("no rows, no predictions", async () => {
    expect(await predictRows(noBackend, loaded(artifactOf(spec, [4], "relu", "classification")), [])).toEqual([]);
  });
});
