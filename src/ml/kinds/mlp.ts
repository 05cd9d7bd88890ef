/**
 * The multi-layer perceptron: scikit-learn's MLPClassifier / MLPRegressor (src/ml/mlp.ts), with
 * hidden layers from the seed's architecture table unless the request names them.
 */
import { trainMlp } from "../mlp";
import type { ModelKind } from "../model-kind";
import { predict, predictHost } from "../predict";
import { decodeNetwork, encodeNetwork, parameterCount } from "./network";

/** The seed's architecture table: the network grows with the labelled rows of the dataset. */
export function architectureFor(rows: number): number[] {
  if (rows < 10_000) return [128, 64];
  if (rows < 100_000) return [256, 128];
  if (rows < 500_000) return [512, 256, 128];
  return [1024, 512, 256, 128];
}

export const mlpKind: ModelKind = {
  type: "mlp",
  title: "MLP (hidden layers)",
  hiddenLayers: (rows, requested) => (requested ? [...requested] : architectureFor(rows)),
  fit: trainMlp,
  predict,
  predictHost,
  encode: encodeNetwork,
  decode: decodeNetwork,
  describe: (model) => {
    const hidden = model.layers.slice(0, -1).map((l) => l.cols);
    return {
      model_type: "mlp",
      summary: `MLP ${hidden.join("-")} ${model.activation}`,
      hidden_layer_sizes: hidden,
      parameters: parameterCount(model),
    };
  },
};
