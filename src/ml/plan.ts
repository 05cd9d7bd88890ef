/**
 * The one place a fit's shape and cost are decided, for POST /train's estimate and for the job
 * that runs the fit: the hidden layers (the kind's choice from the dataset's labelled rows),
 * whether early stopping can judge, the epochs to expect and the seconds they take.
 *
 * Work: a step costs about 6 FLOPs per weight per row (2 forward, 4 backward), so an epoch costs
 * 6 · trainRows · weights. Time: that work at CPU_TRAIN_FLOPS, plus a per-epoch and a fixed
 * start-up cost (worker thread, backend, encoding, artifact and baseline).
 */
import { modelKind } from "./kinds";
import { earlyStoppingUsable } from "./model";

/**
 * Sustained training FLOP/s of the CPU backend (wasm SIMD) on 2 shared, busy cores, where
 * `bun bench/train-estimate.ts` measured estimate/real job time: iris 1.2 s/0.6 s, digits
 * 2.0 s/3.1 s, a 200k-row synthetic set ([512,256,128], 24 epochs) 1366 s/818 s; a lone probe of
 * 512-wide layers ran at 6.5 GFLOP/s. A faster backend finishes sooner than estimated.
 */
export const CPU_TRAIN_FLOPS = 4e9;
/** Fixed cost of a train job besides the fit, seconds (measured on iris, where the fit is ~nothing). */
export const JOB_OVERHEAD_S = 0.5;
/** Per-epoch cost besides the arithmetic (shuffle upload, loss read-back, progress), seconds. */
const EPOCH_OVERHEAD_S = 0.002;
/**
 * With early stopping a fit ends nIterNoChange + 1 epochs after its best validation score; on the
 * shared sets the best score came within the first ~2 × that, so three patience windows are expected.
 */
const EARLY_STOP_WINDOWS = 3;

export interface FitShape {
  modelType: string | undefined;
  /** rows of the dataset with a target value: the seed's architecture table reads this */
  labelledRows: number;
  /** share of the labelled rows held out for the version's metrics */
  validationSplit: number;
  /** the fit's rows when the split is already made (a retrain adds client rows to its fit) */
  trainRows?: number | undefined;
  /** encoded input width (a numeric feature is 2: value and missing flag) */
  inputWidth: number;
  /** classes (classification) or 1 (regression) */
  outputs: number;
  hidden?: readonly number[] | undefined;
  maxIter: number;
  /** early stopping asked for; used only when its validation split is large enough */
  earlyStopping: boolean;
  /** the share of the fit rows early stopping validates on (ML_VALIDATION_FRACTION) */
  validationFraction: number;
  nIterNoChange: number;
}

export interface FitPlan {
  hidden: number[];
  /** rows the fit sees (the labelled rows less the held-out ones) */
  trainRows: number;
  earlyStopping: boolean;
  weights: number;
  /** epochs to expect: maxIter, or fewer with early stopping */
  epochs: number;
  /** training FLOPs at maxIter: what the compute picker weighs against a GPU's start-up */
  flops: number;
  /** seconds the job should take, start to end */
  estimatedSeconds: number;
}

/** The fit's architecture, work and expected time; throws a TrainingError for layers the kind cannot have. */
export function planFit(s: FitShape, flopsPerSecond = CPU_TRAIN_FLOPS): FitPlan {
  const hidden = modelKind(s.modelType).hiddenLayers(s.labelledRows, s.hidden);
  const held = Math.max(1, Math.round(s.labelledRows * s.validationSplit));
  const trainRows = s.trainRows ?? Math.max(0, s.labelledRows - held);
  const earlyStopping = s.earlyStopping && earlyStoppingUsable(trainRows, s.validationFraction);
  const sizes = [s.inputWidth, ...hidden, s.outputs];
  let weights = 0;
  for (let i = 0; i + 1 < sizes.length; i++) weights += (sizes[i] as number) * (sizes[i + 1] as number);
  const epochs = earlyStopping ? Math.min(s.maxIter, EARLY_STOP_WINDOWS * (s.nIterNoChange + 1)) : s.maxIter;
  const perEpoch = 6 * trainRows * weights;
  const estimatedSeconds = JOB_OVERHEAD_S + epochs * (EPOCH_OVERHEAD_S + perEpoch / flopsPerSecond);
  return { hidden, trainRows, earlyStopping, weights, epochs, flops: perEpoch * s.maxIter, estimatedSeconds };
}
