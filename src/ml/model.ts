/**
 * The trained MLP as plain data (typed arrays and numbers, structured-clone friendly) and
 * the options of a fit, with scikit-learn's defaults and names in camelCase.
 */
import { ACTIVATIONS, type Activation } from "../compute/backend";
import { TrainingError } from "./errors";
import type { Random } from "./random";

export type Task = "classification" | "regression";

/**
 * Early stopping judges epochs by the validation score; on a split of a dozen rows (iris) that
 * score moves in steps of 1/12 and stops a fit after ~25 epochs at 0.6 accuracy. The service and
 * the CLI use it only when the split holds at least this many rows, and say so.
 */
export const MIN_EARLY_STOPPING_ROWS = 100;

export const earlyStoppingUsable = (rows: number, validationFraction: number) =>
  rows * validationFraction >= MIN_EARLY_STOPPING_ROWS;
export type Label = string | number;

/** One dense layer: weights are rows×cols = fan_in×fan_out row-major (sklearn's coefs_[i]); bias is 1×cols. */
export interface DenseLayer {
  weights: Float32Array;
  bias: Float32Array;
  rows: number;
  cols: number;
}

export interface MlpModel {
  task: Task;
  /** sorted distinct labels; output column j is the probability of classes[j] (classification only) */
  classes?: Label[];
  /** hidden activation; the output is softmax (classification) or identity (regression) */
  activation: Activation;
  nFeatures: number;
  nOutputs: number;
  layers: DenseLayer[];
  /** epochs run (sklearn n_iter_) and the per-epoch training loss (sklearn loss_curve_) */
  nIter: number;
  lossCurve: number[];
  /** per-epoch validation accuracy or R², only with early stopping */
  validationScores?: number[];
  bestValidationScore?: number;
}

export interface Progress {
  epoch: number;
  loss: number;
  /** accuracy (classification) or R² (regression) on the validation split; null without early stopping */
  validationScore: number | null;
  elapsedMs: number;
}

export interface MlpOptions {
  task: Task;
  /** hidden layer sizes, sklearn hidden_layer_sizes (default [100]) */
  hidden?: number[];
  activation?: Activation;
  learningRate?: number;
  alpha?: number;
  /** rows per step; "auto" = min(200, n) */
  batchSize?: number | "auto";
  maxIter?: number;
  shuffle?: boolean;
  earlyStopping?: boolean;
  validationFraction?: number;
  nIterNoChange?: number;
  tol?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  seed?: number;
  onProgress?: (p: Progress) => void;
  /** read before every step; a worker thread passes a flag in shared memory, since its event loop is busy */
  signal?: Pick<AbortSignal, "aborted">;
}

export type ResolvedOptions = Required<Omit<MlpOptions, "onProgress" | "signal" | "batchSize">> & {
  batchSize: number | "auto";
};

export function resolveOptions(o: MlpOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    task: o.task,
    hidden: o.hidden ?? [100],
    activation: o.activation ?? "relu",
    learningRate: o.learningRate ?? 0.001,
    alpha: o.alpha ?? 1e-4,
    batchSize: o.batchSize ?? "auto",
    maxIter: o.maxIter ?? 200,
    shuffle: o.shuffle ?? true,
    earlyStopping: o.earlyStopping ?? false,
    validationFraction: o.validationFraction ?? 0.1,
    nIterNoChange: o.nIterNoChange ?? 10,
    tol: o.tol ?? 1e-4,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    epsilon: o.epsilon ?? 1e-8,
    seed: o.seed ?? 0,
  };
  const bad = (msg: string) => new TrainingError("invalid_options", msg);
  if (r.task !== "classification" && r.task !== "regression")
    throw bad(`task must be "classification" or "regression", got ${String(r.task)}`);
  if (!ACTIVATIONS.includes(r.activation)) throw bad(`activation must be one of ${ACTIVATIONS.join(", ")}`);
  // no hidden layer is allowed: that network is the linear kind (src/ml/kinds/linear.ts)
  if (!r.hidden.every((h) => Number.isInteger(h) && h > 0))
    throw bad(`hidden layer sizes must be positive integers, got [${r.hidden.join(", ")}]`);
  if (r.batchSize !== "auto" && !(Number.isInteger(r.batchSize) && r.batchSize > 0))
    throw bad(`batch size must be a positive integer, got ${r.batchSize}`);
  if (!(Number.isInteger(r.maxIter) && r.maxIter > 0)) throw bad(`epochs must be a positive integer, got ${r.maxIter}`);
  if (!(r.learningRate > 0 && Number.isFinite(r.learningRate)))
    throw bad(`learning rate must be positive, got ${r.learningRate}`);
  if (!(r.alpha >= 0 && Number.isFinite(r.alpha))) throw bad(`alpha must be ≥ 0, got ${r.alpha}`);
  if (!(r.validationFraction > 0 && r.validationFraction < 1))
    throw bad(`validation fraction must be in (0, 1), got ${r.validationFraction}`);
  if (!(Number.isInteger(r.nIterNoChange) && r.nIterNoChange > 0))
    throw bad(`n_iter_no_change must be a positive integer, got ${r.nIterNoChange}`);
  if (!(r.tol >= 0)) throw bad(`tol must be ≥ 0, got ${r.tol}`);
  return r;
}

/**
 * Glorot-uniform layers as sklearn's _init_coef: bound = sqrt(6 / (fan_in + fan_out)), 2 instead of 6
 * for logistic; weights and then biases of each layer drawn uniform(-bound, bound) in that order.
 */
export function initLayers(sizes: number[], activation: Activation, rng: Random): DenseLayer[] {
  const factor = activation === "logistic" ? 2 : 6;
  const layers: DenseLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const rows = sizes[i] as number;
    const cols = sizes[i + 1] as number;
    const bound = Math.sqrt(factor / (rows + cols));
    const weights = new Float32Array(rows * cols);
    for (let j = 0; j < weights.length; j++) weights[j] = rng.uniform(-bound, bound);
    const bias = new Float32Array(cols);
    for (let j = 0; j < cols; j++) bias[j] = rng.uniform(-bound, bound);
    layers.push({ weights, bias, rows, cols });
  }
  return layers;
}
