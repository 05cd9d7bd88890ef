/**
 * A trained network and its feature spec as one ONNX model that takes the same raw columns as
 * POST /predict, one graph input per feature (N rows):
 *
 *   numeric     float [N,1], NaN when missing → IsNaN, Where (mean), Sub mean, Div std; flag Cast
 *   boolean     float [N,1] 1/0, NaN missing  → IsNaN, Where (share of true);       flag Cast
 *               (no flag Cast for a feature whose spec says `flag: false`)
 *   categorical string [N,1]                  → ai.onnx.ml LabelEncoder (unseen or empty → the
 *                                                "unknown" index), OneHot, Flatten
 *   text        float [N,dims]: the hashed, L2-normalised encoding mlservice computes (README)
 *
 * then Concat → Gemm (+ Relu | Tanh | Sigmoid) per layer → Softmax and ArgMax + Gather of the
 * class labels (classification) or × std + mean of the target (regression). Outputs:
 * `prediction` [N] (label or value) and, for classification, `probabilities` [N,classes] in the
 * order of the model's classes. Opsets: ai.onnx 13, ai.onnx.ml 2.
 */
import { dateWidth } from "../dates";
import { type Feature, type FeatureSpec, hasMissingFlag } from "../features";
import type { Label, MlpModel } from "../model";
import { DataType, type DataTypeId, model, type NodeSpec, node, type TensorValues, tensor, valueInfo } from "./proto";

export interface OnnxSource {
  spec: FeatureSpec;
  model: MlpModel;
  /** a regression network predicts standardised values: the output is value × std + mean */
  target: { field: string; mean?: number | undefined; std?: number | undefined };
  /** the graph's name, e.g. "iris 1.2.0" */
  name: string;
  producerVersion: string;
  /** string pairs stored in the model's metadata_props (model_key, version, …) */
  metadata?: Record<string, string>;
}

/** The outputs' preferred names; a feature of the same name pushes them to `prediction_` etc. */
export const OUTPUT_NAMES = { prediction: "prediction", probabilities: "probabilities" } as const;

const ML = "ai.onnx.ml";
const ACTIVATION_OPS = { relu: "Relu", tanh: "Tanh", logistic: "Sigmoid", identity: null } as const;

/** Graph under construction: names never collide with a feature (graph input) or each other. */
class GraphBuilder {
  readonly nodes: ReturnType<typeof node>[] = [];
  readonly initializers: ReturnType<typeof tensor>[] = [];
  readonly #taken = new Set<string>();

  constructor(inputNames: string[]) {
    for (const n of inputNames) this.#taken.add(n);
  }

  fresh(base: string): string {
    let name = base;
    while (this.#taken.has(name)) name = `${name}_`;
    this.#taken.add(name);
    return name;
  }

  constant(base: string, dims: number[], values: TensorValues): string {
    const name = this.fresh(base);
    this.initializers.push(tensor(name, dims, values));
    return name;
  }

  /** Adds a node with one output and returns that output's name. */
  op(op: string, inputs: string[], base: string, extra: Omit<NodeSpec, "op" | "inputs" | "outputs" | "name"> = {}) {
    const out = this.fresh(base);
    this.nodes.push(node({ op, inputs, outputs: [out], name: this.fresh(`${base}:${op}`), ...extra }));
    return out;
  }
}

const f32 = (x: number) => Float32Array.of(x);

/** The encoded columns of one feature, as graph values of shape [N, width]. */
function featureBlock(g: GraphBuilder, f: Feature, i: number): string[] {
  const at = `f${i}`;
  switch (f.kind) {
    case "numeric":
    case "boolean": {
      const nan = g.op("IsNaN", [f.name], `${at}/missing`);
      const fill = g.constant(`${at}/fill`, [], f32(f.kind === "numeric" ? f.mean : f.rate));
      let value = g.op("Where", [nan, fill, f.name], `${at}/filled`);
      if (f.kind === "numeric") {
        const centred = g.op("Sub", [value, g.constant(`${at}/mean`, [], f32(f.mean))], `${at}/centred`);
        value = g.op("Div", [centred, g.constant(`${at}/std`, [], f32(f.std))], `${at}/scaled`);
      }
      if (!hasMissingFlag(f)) return [value];
      const flag = g.op("Cast", [nan], `${at}/flag`, { attributes: { to: DataType.FLOAT } });
      return [value, flag];
    }
    case "categorical": {
      const k = f.categories.length;
      // with no category seen, every value is "unknown" (index 0): the key "" is never a category
      const keys = k ? f.categories : [""];
      const index = g.op("LabelEncoder", [f.name], `${at}/index`, {
        domain: ML,
        attributes: {
          keys_strings: { strings: keys },
          values_int64s: { ints: keys.map((_, j) => j) },
          default_int64: k,
        },
      });
      const depth = g.constant(`${at}/depth`, [], BigInt64Array.of(BigInt(k + 1)));
      const onOff = g.constant(`${at}/on_off`, [2], Float32Array.of(0, 1));
      const hot = g.op("OneHot", [index, depth, onOff], `${at}/one_hot`);
      return [g.op("Flatten", [hot], `${at}/columns`, { attributes: { axis: 1 } })];
    }
    case "text":
    case "date":
      return [f.name];
  }
}

function inputInfo(f: Feature) {
  switch (f.kind) {
    case "numeric":
      return valueInfo(f.name, DataType.FLOAT, ["N", 1], `numeric; NaN when missing (then ${f.mean})`);
    case "boolean":
      return valueInfo(f.name, DataType.FLOAT, ["N", 1], "boolean: 1 true, 0 false, NaN when missing");
    case "categorical":
      return valueInfo(f.name, DataType.STRING, ["N", 1], "category; an unseen or empty value is 'unknown'");
    case "text":
      return valueInfo(
        f.name,
        DataType.FLOAT,
        ["N", f.dims],
        `text, hashed by mlservice into ${f.dims} L2-normalised floats (README: ONNX export)`,
      );
    case "date":
      return valueInfo(
        f.name,
        DataType.FLOAT,
        ["N", dateWidth(f.time) + 1],
        `date, encoded by mlservice: standardised year, cyclic parts, missing flag (README: ONNX export)`,
      );
  }
}

/** The class labels as a constant of the labels' own type: integers, other numbers, or strings. */
function labelConstant(classes: Label[]): { values: TensorValues; type: DataTypeId } {
  if (classes.every((c) => typeof c === "number" && Number.isSafeInteger(c)))
    return { values: BigInt64Array.from(classes as number[], (c) => BigInt(c)), type: DataType.INT64 };
  if (classes.every((c) => typeof c === "number"))
    return { values: Float64Array.from(classes as number[]), type: DataType.DOUBLE };
  return { values: classes.map(String), type: DataType.STRING };
}

/** The serialised ONNX ModelProto of a trained network with its feature encoding inside. */
export function toOnnx(src: OnnxSource): Uint8Array {
  const { spec, model: net } = src;
  const g = new GraphBuilder(spec.features.map((f) => f.name));
  const outPrediction = g.fresh(OUTPUT_NAMES.prediction);
  const outProbabilities = g.fresh(OUTPUT_NAMES.probabilities);

  const blocks = spec.features.flatMap((f, i) => featureBlock(g, f, i));
  let a = g.op("Concat", blocks, "features", { attributes: { axis: 1 } });
  const last = net.layers.length - 1;
  net.layers.forEach((layer, l) => {
    const w = g.constant(`layer${l}/weights`, [layer.rows, layer.cols], layer.weights);
    const b = g.constant(`layer${l}/bias`, [layer.cols], layer.bias);
    a = g.op("Gemm", [a, w, b], `layer${l}/linear`);
    const act = ACTIVATION_OPS[net.activation];
    if (l < last && act) a = g.op(act, [a], `layer${l}/${net.activation}`);
  });

  const outputs = [];
  if (net.task === "classification") {
    const classes = net.classes ?? [];
    g.nodes.push(
      node({
        op: "Softmax",
        inputs: [a],
        outputs: [outProbabilities],
        name: g.fresh("softmax"),
        attributes: { axis: 1 },
      }),
    );
    const best = g.op("ArgMax", [outProbabilities], "best", { attributes: { axis: 1, keepdims: 0 } });
    const labels = labelConstant(classes);
    const table = g.constant("classes", [classes.length], labels.values);
    g.nodes.push(
      node({
        op: "Gather",
        inputs: [table, best],
        outputs: [outPrediction],
        name: g.fresh("label"),
        attributes: { axis: 0 },
      }),
    );
    outputs.push(valueInfo(outPrediction, labels.type, ["N"], "the most probable class"));
    outputs.push(
      valueInfo(
        outProbabilities,
        DataType.FLOAT,
        ["N", classes.length],
        `probabilities of ${classes.map(String).join(", ")}`,
      ),
    );
  } else {
    const scaled = g.op("Mul", [a, g.constant("target/std", [], f32(src.target.std ?? 1))], "target/scaled");
    const value = g.op("Add", [scaled, g.constant("target/mean", [], f32(src.target.mean ?? 0))], "target/value");
    const flat = g.constant("target/shape", [1], BigInt64Array.of(-1n));
    g.nodes.push(node({ op: "Reshape", inputs: [value, flat], outputs: [outPrediction], name: g.fresh("prediction") }));
    outputs.push(valueInfo(outPrediction, DataType.FLOAT, ["N"], `predicted ${src.target.field}`));
  }

  return model({
    producerName: "mlservice",
    producerVersion: src.producerVersion,
    opsets: [
      ["", 13],
      [ML, 2],
    ],
    metadata: src.metadata ?? {},
    graph: {
      name: src.name,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: spec.features.map(inputInfo),
      outputs,
      doc: `inputs: ${spec.features.map((f) => `${f.name} (${f.kind})`).join(", ")}`,
    },
  });
}
