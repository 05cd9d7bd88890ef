/**
 * The linear baseline: the same network with no hidden layer, so softmax (multinomial logistic)
 * regression for classification and linear least squares for regression, fitted by the same Adam
 * loop with L2. Worth training beside an MLP: when it scores as well, the MLP is not needed.
 */
import { TrainingError } from "../errors";
import { trainMlp } from "../mlp";
import type { ModelKind } from "../model-kind";
import { predict, predictHost } from "../predict";
import { decodeNetwork, encodeNetwork, parameterCount } from "./network";

export const linearKind: ModelKind = {
  type: "linear",
  title: "Linear / logistic (no hidden layer)",
  hiddenLayers: (_rows, requested) => {
    if (requested?.length)
      throw new TrainingError("invalid_options", "a linear model has no hidden layers: leave hidden_layer_sizes out");
    return [];
  },
  fit: (backend, data, options) => trainMlp(backend, data, { ...options, hidden: [] }),
  predict,
  predictHost,
  encode: encodeNetwork,
  decode: decodeNetwork,
  describe: (model) => ({
    model_type: "linear",
    summary: model.task === "classification" ? "linear (softmax regression)" : "linear (least squares)",
    hidden_layer_sizes: [],
    parameters: parameterCount(model),
  }),
};
