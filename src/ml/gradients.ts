/**
 * One batch's loss and gradients, read back to the host: the trainer's exact backward pass,
 * exposed so tests can compare it with finite differences and tools can inspect a model.
 */
import type { Backend, Matrix } from "../compute/backend";
import { checkFeatures, encodeTargets } from "./data";
import type { DenseLayer, Label, MlpModel } from "./model";
import { DeviceNet } from "./network";

export interface LossAndGradients {
  /** sklearn's batch loss: data loss / rows + 0.5·α·ΣW² / rows */
  loss: number;
  /** d loss / d W[l] (rows×cols, L2 included) and d loss / d b[l] */
  weightGrads: Float32Array[];
  biasGrads: Float32Array[];
}

/** `y`: one label per row for classification (indices into model.classes), values for regression. */
export async function lossAndGradients(
  backend: Backend,
  model: Pick<MlpModel, "task" | "activation" | "layers" | "classes">,
  x: Float32Array,
  y: ArrayLike<Label>,
  alpha: number,
): Promise<LossAndGradients> {
  const cols = (model.layers[0] as DenseLayer).rows;
  const rows = x.length / cols;
  checkFeatures(x, rows, cols);
  const classification = model.task === "classification";
  const target = classification
    ? Float32Array.from(y as ArrayLike<Label>, (label) => (model.classes ?? []).indexOf(label))
    : encodeTargets("regression", y, rows).target;
  const net = new DeviceNet(backend, model.layers, model.activation);
  try {
    const ws = net.workspace(rows, true, net.alloc(rows, cols, x));
    const yM = net.alloc(rows, target.length / rows, target);
    const gW = net.weights.map((w) => net.alloc(w.rows, w.cols));
    const gb = net.biases.map((b) => net.alloc(b.rows, b.cols));
    const lossAcc = net.alloc(1, 1);
    const l2Acc = net.alloc(1, 1);
    net.forward(ws);
    net.backward(ws, yM, classification, gW, gb, lossAcc, l2Acc);
    backend.submit();
    const outputs = classification ? 1 : target.length / rows;
    const data = ((await backend.read(lossAcc))[0] as number) / outputs;
    const l2 = (await backend.read(l2Acc))[0] as number;
    const weightGrads: Float32Array[] = [];
    for (const [l, layer] of model.layers.entries()) {
      const g = await backend.read(gW[l] as Matrix);
      for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) + (alpha / rows) * (layer.weights[i] as number);
      weightGrads.push(g);
    }
    const biasGrads: Float32Array[] = [];
    for (const m of gb) biasGrads.push(await backend.read(m));
    return { loss: (data + 0.5 * alpha * l2) / rows, weightGrads, biasGrads };
  } finally {
    net.release();
  }
}
