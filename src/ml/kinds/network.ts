/**
 * The network's parameters in an artifact, shared by the MLP and linear kinds: the meta is the
 * model without its layers plus each layer's shape; the tensors are each layer's weights then
 * bias, in layer order.
 */
import { TrainingError } from "../errors";
import type { DenseLayer, Label, MlpModel } from "../model";
import type { EncodedModel } from "../model-kind";

export function encodeNetwork(model: MlpModel): EncodedModel {
  const { layers, ...meta } = model;
  return {
    meta: { ...meta, layers: layers.map((l) => ({ rows: l.rows, cols: l.cols })) },
    tensors: layers.flatMap((l) => [l.weights, l.bias]),
  };
}

export function decodeNetwork(meta: Record<string, unknown>, data: Float32Array): MlpModel {
  const shapes = meta.layers as { rows: number; cols: number }[];
  let at = 0;
  const layers: DenseLayer[] = shapes.map(({ rows, cols }) => {
    const weights = data.slice(at, at + rows * cols);
    at += rows * cols;
    const bias = data.slice(at, at + cols);
    at += cols;
    return { rows, cols, weights, bias };
  });
  if (at !== data.length) throw new TrainingError("invalid_input", "artifact weights do not match its header");
  return { ...(meta as unknown as MlpModel), classes: meta.classes as Label[] | undefined, layers };
}

/** Weights and biases of every layer. */
export const parameterCount = (model: MlpModel) =>
  model.layers.reduce((s, l) => s + l.weights.length + l.bias.length, 0);
