/**
 * What a kind of model is to the rest of the service: how it is fitted, how it predicts, how its
 * parameters are written into and read back from an artifact, and how it is described to people.
 * The jobs, the registry and the API go through this interface; each kind lives in `kinds/` and
 * is wired in one place (kinds/index.ts).
 *
 * Both kinds today are networks and share `MlpModel` as their trained data (a linear model is the
 * network with no hidden layer); a kind with other parameters brings its own `M`.
 */
import type { Backend } from "../compute/backend";
import type { TrainingData } from "./data";
import type { MlpModel, MlpOptions } from "./model";

/** What a kind's artifact section holds: JSON metadata and the float tensors, in order. */
export interface EncodedModel {
  meta: Record<string, unknown>;
  tensors: Float32Array[];
}

/** How GET /models/{key}, the job result and the dashboard describe a trained model. */
export interface ModelDescription {
  model_type: string;
  /** one line for people: "MLP 128-64 relu", "linear (softmax regression)" */
  summary: string;
  hidden_layer_sizes: number[];
  parameters: number;
}

export interface ModelKind<M = MlpModel> {
  readonly type: string;
  /** the kind's name on the Training page */
  readonly title: string;
  /**
   * The hidden layers a fit uses: the request's own, or what the kind picks for a dataset of
   * `labelledRows` rows (the seed's architecture table for an MLP, none for a linear model).
   * Throws a TrainingError when the request asks for layers the kind cannot have.
   */
  hiddenLayers(labelledRows: number, requested?: readonly number[]): number[];
  fit(backend: Backend, data: TrainingData, options: MlpOptions): Promise<M>;
  /** probabilities (classification, rows×classes) or values (regression), x rows×nFeatures */
  predict(backend: Backend, model: M, x: Float32Array): Promise<Float32Array>;
  /** the same on the host, for a few rows or held-out scoring off the worker */
  predictHost(model: M, x: Float32Array): Float32Array;
  encode(model: M): EncodedModel;
  /** the model from `encode`'s meta and the concatenation of its tensors */
  decode(meta: Record<string, unknown>, data: Float32Array): M;
  describe(model: M): ModelDescription;
}
