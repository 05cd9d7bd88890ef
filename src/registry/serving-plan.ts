/**
 * What a loaded version needs to answer a request quickly, built once per artifact: its feature
 * spec compiled (src/ml/compiled-encoder.ts) and, for an MLP or linear model, its network copied
 * into native memory for passes of up to HOST_PREDICT_MAX_ROWS rows (src/compute/native/small-forward.ts).
 * Without the native library (not built, not x86-64, turned off) the same buffers feed predictHost,
 * so answers are the same, only slower. Kept in a WeakMap on the artifact: a version that leaves the
 * model cache takes its plan, and the native memory, with it.
 */
import { ACTIVATIONS } from "../compute/backend";
import {
  nativeForwardLibrary,
  nativeForwardLibraryNow,
  type SmallForward,
  smallForward,
} from "../compute/native/small-forward";
import { type CompiledEncoder, compileEncoder } from "../ml/compiled-encoder";
import type { Row } from "../ml/features";
import { modelKind } from "../ml/kinds";
import type { Label, MlpModel } from "../ml/model";
import { HOST_PREDICT_MAX_ROWS, predictHost } from "../ml/predict";
import type { ModelArtifact } from "./artifact";

export interface ServingPlan {
  encoder: CompiledEncoder;
  /** the native pass; null without the library, or for a kind whose forward pass is not predictHost's */
  native: SmallForward | null;
  /** encoded rows for a host pass of up to HOST_PREDICT_MAX_ROWS rows (the native input when there is one) */
  input: Float32Array;
  /** the last predictOne's class scores, reused */
  scores: Float32Array;
  /** whether the kind's forward pass is predictHost (so small batches may use the plan's passes) */
  hostPass: boolean;
}

const plans = new WeakMap<ModelArtifact, ServingPlan>();

/** The artifact's plan, built now if needed, with the native pass when the library is already loaded. */
export function servingPlan(artifact: ModelArtifact): ServingPlan {
  const plan = plans.get(artifact);
  const lib = nativeForwardLibraryNow();
  // a plan built before the library finished loading gets its native pass now
  if (plan && (plan.native || !lib || !plan.hostPass)) return plan;
  const built = buildPlan(artifact, lib);
  plans.set(artifact, built);
  return built;
}

/** servingPlan once the native library has loaded or failed to: what ModelCache calls as it loads a version. */
export async function prepareServingPlan(artifact: ModelArtifact): Promise<ServingPlan> {
  await nativeForwardLibrary();
  return servingPlan(artifact);
}

function buildPlan(artifact: ModelArtifact, lib: ReturnType<typeof nativeForwardLibraryNow>): ServingPlan {
  const { spec, model } = artifact;
  const encoder = compileEncoder(spec);
  const hostPass = modelKind(artifact.modelType).predictHost === predictHost && model.layers.length > 0;
  const native =
    lib && hostPass
      ? smallForward(
          lib,
          {
            layers: model.layers,
            activation: ACTIVATIONS.indexOf(model.activation),
            softmax: model.task === "classification",
          },
          HOST_PREDICT_MAX_ROWS,
        )
      : null;
  return {
    encoder,
    native,
    input: native ? native.input : new Float32Array(HOST_PREDICT_MAX_ROWS * encoder.width),
    scores: new Float32Array(model.nOutputs),
    hostPass,
  };
}

/**
 * The outputs for 1 to HOST_PREDICT_MAX_ROWS rows (rows × nOutputs, float32 as predictHost returns
 * them), encoded and run in the plan's own buffers. Synchronous: no other call can use the buffers
 * between the encoding and the pass. Throws encodeRows's FeatureError for bad rows.
 */
export function smallPass(plan: ServingPlan, model: MlpModel, rows: Row[]): Float32Array {
  const x = plan.encoder.encode(rows, plan.input);
  if (!plan.native) return predictHost(model, x.subarray(0, rows.length * plan.encoder.width));
  plan.native.run(rows.length);
  return Float32Array.from(plan.native.output.subarray(0, rows.length * model.nOutputs));
}

/** One row's answer without building the all_scores object (for a caller that writes JSON itself). */
export interface OnePrediction {
  /** the class label (classification) or the value on the target's scale (regression) */
  prediction: Label | number;
  /** the highest class probability; null for regression */
  confidence: number | null;
  /** model.classes' probabilities, float32, in that order; the plan's buffer, overwritten by the next call */
  scores: Float32Array | null;
  /** the predicted class's index in model.classes (0 for regression) */
  index: number;
}

const oneRow: Row[] = [{}];

/**
 * predictRows for one row, the same prediction and confidence, minus the all_scores object.
 * Synchronous, so it needs the plan's kind to be an MLP or linear model (`hostPass`); anything
 * else throws a TypeError and the caller uses predictRows.
 */
export function predictOnePlanned(plan: ServingPlan, artifact: ModelArtifact, row: Row): OnePrediction {
  const { model, target } = artifact;
  if (!plan.hostPass) throw new TypeError(`predictOne: model type ${artifact.modelType} has no host pass`);
  oneRow[0] = row;
  try {
    plan.encoder.encode(oneRow, plan.input);
  } finally {
    oneRow[0] = {};
  }
  const scores = plan.scores;
  if (plan.native) {
    plan.native.run(1);
    const out = plan.native.output;
    // a Float32Array store rounds as Float32Array.from does in predictHost
    for (let j = 0; j < scores.length; j++) scores[j] = out[j] as number;
  } else scores.set(predictHost(model, plan.input.subarray(0, plan.encoder.width)));
  if (model.task === "regression") {
    const y = (scores[0] as number) * (target.std ?? 1) + (target.mean ?? 0);
    return { prediction: y, confidence: null, scores: null, index: 0 };
  }
  let index = 0;
  let best = 0;
  for (let j = 0; j < scores.length; j++) {
    const p = scores[j] as number;
    if (p > (scores[index] as number)) index = j;
    best = Math.max(best, p);
  }
  return { prediction: (model.classes ?? [])[index] as Label, confidence: best, scores, index };
}
