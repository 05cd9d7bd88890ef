/**
 * The ONNX writer: the protobuf encoding against the worked examples of the protocol-buffers
 * encoding guide, and graphs that onnxruntime loads and runs to the host forward pass in the
 * corners the service's own models rarely reach (a feature named like an output, a category
 * column with no category seen, non-integer numeric labels, a logistic activation).
 */
import { describe, expect, test } from "bun:test";
import * as ort from "onnxruntime-node";
import { encodeRows, type FeatureSpec, inferSpec } from "../../src/ml/features";
import { initLayers, type MlpModel } from "../../src/ml/model";
import { toOnnx } from "../../src/ml/onnx/export";
import { Message } from "../../src/ml/onnx/protobuf";
import { predictHost } from "../../src/ml/predict";
import { Random } from "../../src/ml/random";

const hex = (m: Message) => Buffer.from(m.encode()).toString("hex");

describe("protobuf writer", () => {
  test("encodes the encoding guide's examples byte for byte", () => {
    // https://protobuf.dev/programming-guides/encoding/: a = 150; b = "testing"; c = {a: 150}
    expect(hex(new Message().int(1, 150))).toBe("089601");
    expect(hex(new Message().string(2, "testing"))).toBe("120774657374696e67");
    expect(hex(new Message().message(3, new Message().int(1, 150)))).toBe("1a03089601");
  });

  test("a negative int64 takes ten bytes; a float is fixed32 little-endian; repeated fields repeat", () => {
    expect(hex(new Message().int(1, -1))).toBe("08ffffffffffffffffff01");
    expect(hex(new Message().float(2, 1.5))).toBe("150000c03f");
    expect(hex(new Message().ints(1, [1, 2]).strings(2, ["a"]))).toBe("08010802120161");
    expect(() => new Message().int(1, 0.5)).toThrow(RangeError);
  });
});

function network(spec: FeatureSpec, outputs: number, activation: MlpModel["activation"], classes?: number[]) {
  const layers = initLayers([spec.width, 6, outputs], activation, new Random(3));
  return {
    task: classes ? "classification" : "regression",
    ...(classes ? { classes } : {}),
    activation,
    nFeatures: spec.width,
    nOutputs: outputs,
    layers,
    nIter: 0,
    lossCurve: [],
  } as MlpModel;
}

describe("ONNX graphs in onnxruntime", () => {
  test("a feature named like an output pushes the output to a new name; labels that are not integers stay numbers", async () => {
    const rows = [{ prediction: 1 }, { prediction: 2.5 }, { prediction: null }];
    const spec = inferSpec(rows, ["prediction"]);
    const model = network(spec, 3, "logistic", [0.5, 1.5, 2.5]);
    const session = await ort.InferenceSession.create(
      toOnnx({ spec, model, target: { field: "y" }, name: "t", producerVersion: "0" }),
    );
    expect(session.inputNames).toEqual(["prediction"]);
    expect(session.outputNames).toEqual(["prediction_", "probabilities"]);
    const x = new ort.Tensor("float32", Float32Array.of(1, 2.5, Number.NaN), [3, 1]);
    const out = await session.run({ prediction: x });
    const ours = predictHost(model, encodeRows(spec, rows));
    const probs = out.probabilities?.data as Float32Array;
    ours.forEach((p, i) => {
      expect(Math.abs(p - (probs[i] as number))).toBeLessThan(1e-6);
    });
    expect(out.prediction_?.type).toBe("float64");
    for (const v of (out.prediction_?.data ?? []) as Float64Array) expect([0.5, 1.5, 2.5]).toContain(v);
  });

  test("a category column that saw no category puts everything in 'unknown'", async () => {
    const rows = [
      { c: null, n: 1 },
      { c: "", n: 2 },
    ];
    const spec = inferSpec(rows, ["c", "n"], { c: "categorical" });
    expect(spec.features[0]).toMatchObject({ kind: "categorical", categories: [] });
    const model = network(spec, 1, "tanh");
    const session = await ort.InferenceSession.create(
      toOnnx({ spec, model, target: { field: "y", mean: 10, std: 2 }, name: "t", producerVersion: "0" }),
    );
    const probe = [
      { c: "anything", n: 1 },
      { c: "", n: 2 },
    ];
    const out = await session.run({
      c: new ort.Tensor("string", ["anything", ""], [2, 1]),
      n: new ort.Tensor("float32", Float32Array.of(1, 2), [2, 1]),
    });
    const ours = predictHost(model, encodeRows(spec, probe));
    const values = out.prediction?.data as Float32Array;
    ours.forEach((y, i) => {
      expect(Math.abs(y * 2 + 10 - (values[i] as number))).toBeLessThan(1e-5);
    });
  });
});
