/**
 * The `train` job: dataset rows → feature spec → held-out split → fit on a worker thread →
 * metrics on the held-out rows → artifact (atomic, sha256) → version ready → active.
 * A failure marks the version failed and leaves the previous active version serving.
 */
import type { Kysely } from "kysely";
import { workerUrl } from "../bundled";
import { emitNativeOutput } from "../compute/native-output";
import { computeOptions } from "../compute/pick";
import type { Config } from "../config";
import { loadDatasetRows } from "../datasets/store";
import type { DB } from "../db/schema";
import type { EventBus } from "../events/bus";
import { classificationMetrics, primaryScore, regressionMetrics } from "../ml/evaluate";
import { encodeRows, inferSpec, isMissing, type Row } from "../ml/features";
import { modelKind } from "../ml/kinds";
import type { Label, MlpModel } from "../ml/model";
import { planFit } from "../ml/plan";
import { predictLabels } from "../ml/predict";
import { Random } from "../ml/random";
import { trainingBaseline } from "../monitoring/reference";
import { activateVersion } from "../registry/activation";
import { type TargetSpec, writeArtifact } from "../registry/artifact";
import { trainingCurves } from "../registry/curves";
import { SYSTEM } from "../registry/ownership";
import { markVersionFailed, markVersionReady } from "../registry/registry";
import type { ModelCache } from "../registry/serving";
import { artifactStore } from "../storage/open";
import { readParams, TrainParams } from "./params";
import type { JobRow } from "./queue";
import type { JobContext } from "./runner";
import type { TrainRequest } from "./train-worker";
import { checkTrainingRows } from "./training-checks";

export interface TrainDeps {
  db: Kysely<DB>;
  config: Config;
  bus: EventBus;
  models: ModelCache;
  now: () => Date;
}

export function trainHandler(deps: TrainDeps) {
  return async (job: JobRow, ctx: JobContext) => {
    const p = readParams(TrainParams, job);
    return failVersionOnError(deps, p, () => train(deps, p, job.id, ctx));
  };
}

/**
 * Runs the fit of `v.version`: a failure marks that version failed (the serving one stays), then
 * `onFailure` runs (a retrain records its outcome), and the job fails with the same error.
 */
export async function failVersionOnError<T>(
  deps: TrainDeps,
  v: { model_key: string; version: string },
  run: () => Promise<T>,
  onFailure: (message: string) => Promise<void> = async () => {},
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const message = (e as Error).message;
    await markVersionFailed(deps.db, v.model_key, v.version, message, deps.now().toISOString());
    await onFailure(message);
    throw e;
  }
}

/** A fitted version starts serving; the job acts as the system (its creator was checked when it was queued). */
export function activateFitted(
  deps: TrainDeps,
  v: { model_key: string; version: string },
  jobId: string,
  reason: "trained" | "retrained",
) {
  return activateVersion(deps, {
    modelKey: v.model_key,
    version: v.version,
    actor: SYSTEM,
    by: `job ${jobId}`,
    reason,
  });
}

async function train(deps: TrainDeps, p: TrainParams, jobId: string, ctx: JobContext) {
  await ctx.progress({ stage: "loading_data", progress: 0.01 });
  const { rows } = await loadDatasetRows({ db: deps.db, config: deps.config, now: deps.now }, p.dataset_id);
  // what the request could not see without every row: labelled count, classes, target kind, numbers
  checkTrainingRows(rows, p, "rows");
  const usable = rows.filter((r) => !isMissing(r[p.target_field]));
  const { fit, held } = splitHeldOut(usable, p.validation_split, p.hyperparameters.random_state ?? 42);
  const fitted = await fitVersion(deps, p, { fit, held }, ctx);
  await activateFitted(deps, p, jobId, "trained");
  // rows without a target cannot be learned from: said in the result rather than dropped silently
  return { ...fitted.summary, rows_total: rows.length, rows_missing_target: rows.length - usable.length };
}

/** Held-out rows for the version's metrics (the fit never sees them), by a seeded shuffle. */
export function splitHeldOut(rows: Row[], validationSplit: number, seed: number): { fit: Row[]; held: Row[] } {
  const order = shuffled(rows.length, new Random(seed + 1));
  const nHeld = Math.max(1, Math.round(rows.length * validationSplit));
  return {
    held: order.slice(0, nHeld).map((i) => rows[i] as Row),
    fit: order.slice(nHeld).map((i) => rows[i] as Row),
  };
}

/**
 * Fits a version on `fit`, scores it on `held`, saves its artifact (with the drift baseline)
 * and marks it ready, WITHOUT making it serve: the train job activates at once, a retrain
 * only after comparing it with the version it would replace (src/jobs/retrain.ts).
 */
export async function fitVersion(deps: TrainDeps, p: TrainParams, data: { fit: Row[]; held: Row[] }, ctx: JobContext) {
  const { config } = deps;
  const { fit, held } = data;
  const seed = p.hyperparameters.random_state ?? 42;
  await ctx.progress({ stage: "encoding", progress: 0.03 });
  const spec = inferSpec(fit, p.feature_fields, p.feature_types ?? {});
  const x = encodeRows(spec, fit);
  const target: TargetSpec = { field: p.target_field, task: p.task_type };
  let y: Label[] | Float32Array;
  if (p.task_type === "classification") y = fit.map((r) => r[p.target_field] as Label);
  else {
    const values = fit.map((r) => Number(r[p.target_field]));
    target.mean = values.reduce((s, v) => s + v, 0) / values.length;
    target.std = Math.sqrt(values.reduce((s, v) => s + (v - (target.mean as number)) ** 2, 0) / values.length) || 1;
    y = Float32Array.from(values, (v) => (v - (target.mean as number)) / (target.std as number));
  }

  const kind = modelKind(p.model_type);
  const maxIter = p.hyperparameters.max_iter ?? config.ML_MAX_ITER;
  const plan = planFit({
    modelType: p.model_type,
    labelledRows: fit.length + held.length,
    validationSplit: p.validation_split,
    trainRows: fit.length,
    inputWidth: spec.width,
    outputs: Array.isArray(y) ? new Set(y.map(String)).size : 1,
    hidden: p.hyperparameters.hidden_layer_sizes,
    maxIter,
    earlyStopping: p.early_stopping,
    validationFraction: config.ML_VALIDATION_FRACTION,
    nIterNoChange: config.ML_N_ITER_NO_CHANGE,
  });
  const { hidden, earlyStopping } = plan;
  const options: TrainRequest["options"] = {
    task: p.task_type,
    hidden,
    activation: p.hyperparameters.activation ?? "relu",
    learningRate: p.hyperparameters.learning_rate_init ?? config.ML_LEARNING_RATE_INIT,
    alpha: p.hyperparameters.alpha ?? config.ML_ALPHA,
    batchSize: p.hyperparameters.batch_size ?? "auto",
    maxIter,
    earlyStopping,
    validationFraction: config.ML_VALIDATION_FRACTION,
    nIterNoChange: config.ML_N_ITER_NO_CHANGE,
    tol: config.ML_TOL,
    seed,
  };
  const compute = { ...computeOptions(config), workSize: plan.flops };
  if (!p.use_gpu_if_available) compute.compute = "cpu";

  const started = performance.now();
  const outcome = await fitOnWorker(
    { type: "train", modelType: p.model_type, x, rows: fit.length, cols: spec.width, y, options, compute },
    ctx,
    maxIter,
  );
  const trainingTimeS = (performance.now() - started) / 1000;

  // a cancel that arrives as the fit ends must still leave the serving version alone
  if (ctx.signal.aborted) throw abortReason(ctx.signal);
  await ctx.progress({ stage: "evaluating", progress: 0.95 });
  const heldOutputs = kind.predictHost(outcome.model, encodeRows(spec, held));
  const metrics = scoreOutputs(outcome.model, target, heldOutputs, held);
  const baseline = trainingBaseline({
    spec,
    fitRows: fit,
    model: outcome.model,
    heldOutputs,
    bins: config.ML_DRIFT_BINS,
  });
  const now = deps.now().toISOString();
  const artifact = await writeArtifact(artifactStore(config), {
    modelKey: p.model_key,
    version: p.version,
    createdAt: now,
    spec,
    target,
    modelType: p.model_type,
    model: outcome.model,
    baseline,
  });
  const fullMetrics = {
    ...metrics,
    epochs: outcome.model.nIter,
    final_loss: outcome.model.lossCurve.at(-1) ?? null,
    early_stopping: earlyStopping,
    model_type: p.model_type,
    hidden_layer_sizes: hidden,
  };
  await markVersionReady(deps.db, p.model_key, p.version, {
    metrics: fullMetrics,
    backend: `${outcome.kind}: ${outcome.device}`,
    trainRows: fit.length,
    trainingTimeS,
    artifactFile: artifact.file,
    artifactSha256: artifact.sha256,
    now,
    curves: trainingCurves(outcome.model),
  });
  return {
    metrics: fullMetrics,
    summary: {
      model_key: p.model_key,
      version: p.version,
      metrics: fullMetrics,
      score: primaryScore(metrics),
      backend: outcome.kind,
      device: outcome.device,
      compute_reason: outcome.reason,
      training_time_s: trainingTimeS,
      train_rows: fit.length,
      validation_rows: held.length,
    },
  };
}

/** Metrics of a model's outputs on labelled rows: classification or regression metrics. */
export function scoreOutputs(model: MlpModel, target: TargetSpec, out: Float32Array, held: Row[]) {
  if (model.task === "classification") {
    const truth = held.map((r) => r[target.field] as Label);
    // labels come back as the model's classes; compare as strings so "1" and 1 agree
    const pred = predictLabels(model, out).map(String);
    return classificationMetrics(truth.map(String), pred, (model.classes ?? []).map(String));
  }
  const truth = held.map((r) => Number(r[target.field]));
  const pred = Array.from(out, (v) => v * (target.std ?? 1) + (target.mean ?? 0));
  return regressionMetrics(truth, pred);
}

function shuffled(n: number, rng: Random): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}

interface FitOutcome {
  model: MlpModel;
  device: string;
  kind: string;
  reason: string;
}

/** Why a job's signal was aborted (the runner aborts with an Error saying so). */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("cancelled");
}

/** how long a cancelled fit may take to notice its flag (one step) before its thread is ended */
const CANCEL_WAIT_MS = 2000;

function fitOnWorker(request: Omit<TrainRequest, "cancel">, ctx: JobContext, maxIter: number): Promise<FitOutcome> {
  const worker = new Worker(workerUrl(import.meta.url, "jobs/train-worker.ts"));
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  let onAbort = () => {};
  let fallback: ReturnType<typeof setTimeout> | undefined;
  return new Promise<FitOutcome>((resolve, reject) => {
    onAbort = () => {
      Atomics.store(cancel, 0, 1);
      fallback = setTimeout(() => {
        worker.terminate();
        reject(abortReason(ctx.signal));
      }, CANCEL_WAIT_MS);
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
    worker.onmessage = (event: MessageEvent) => {
      const msg = event.data;
      if (msg.type === "progress") {
        const pr = msg.progress as { epoch: number; loss: number; validationScore: number | null };
        void ctx.progress({
          stage: "training",
          progress: 0.05 + 0.9 * Math.min(1, pr.epoch / maxIter),
          detail: { epoch: pr.epoch, loss: pr.loss, validation_score: pr.validationScore, max_epochs: maxIter },
        });
      } else if (msg.type === "native-output") {
        emitNativeOutput(String(msg.line));
      } else if (msg.type === "done") {
        resolve(msg as FitOutcome);
        worker.terminate();
      } else if (msg.type === "error") {
        // a fit that stopped on its cancel flag says why it was stopped
        reject(ctx.signal.aborted ? abortReason(ctx.signal) : new Error(msg.message));
        worker.terminate();
      }
    };
    worker.onerror = (e) => {
      reject(new Error(`training worker crashed: ${e.message}`));
      worker.terminate();
    };
    const transfer = request.y instanceof Float32Array ? [request.x.buffer, request.y.buffer] : [request.x.buffer];
    worker.postMessage({ ...request, cancel }, transfer as Transferable[]);
  }).finally(() => {
    clearTimeout(fallback);
    ctx.signal.removeEventListener("abort", onAbort);
  });
}
