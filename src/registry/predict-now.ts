/**
 * The synchronous prediction, in one place: who may, which version, the forward pass, the log,
 * the shadow's copy. `POST /predict` (its Hono route and its fast path, src/http/fast-predict.ts)
 * and the seed-003 batch path call this; the answer's JSON is the adapter's.
 *
 * ```ts
 * const done = await predictNow(deps, identity, { model_key: "iris", rows: [row] }, performance.now());
 * done.ids; // the prediction-log ids, one per row
 * ```
 */
import type { Kysely } from "kysely";
import { hasRole, type Identity } from "../auth/identity";
import type { Backend } from "../compute/backend";
import type { DB } from "../db/schema";
import { invalid, ServiceError } from "../errors";
import { FeatureError, type Row, unrepresentableNumbers } from "../ml/features";
import { HOST_PREDICT_MAX_ROWS } from "../ml/predict";
import { predictionTarget } from "./aliases";
import { Deadline } from "./deadline";
import { type LoadedVersion, type ModelCache, type Prediction, predictRows } from "./serving";

/** What the prediction log takes (src/monitoring/prediction-log.ts), structurally: no import circle. */
export interface PredictionSink {
  add(p: {
    model_key: string;
    version: string;
    input: unknown;
    input_json: string;
    prediction: unknown;
    confidence: number | null;
    latency_ms: number;
    created_by: number | null;
  }): number | Promise<number>;
  committed(): Promise<void>;
}

/** The shadow traffic's intake (src/monitoring/shadow-traffic.ts). */
export interface ShadowSink {
  /** false when the model is known to have no shadow (the copy need not be built) */
  wants(modelKey: string): boolean;
  offer(
    live: LoadedVersion,
    rows: Row[],
    answers: { prediction_id: number; input: Row; prediction: unknown; confidence: number | null }[],
  ): void;
}

export interface PredictNowDeps {
  db: Kysely<DB>;
  config: { ML_PREDICT_TIMEOUT_MS: number; ML_PREDICTION_LOG: "async" | "sync" | string };
  now: () => Date;
  models: ModelCache;
  servingBackend: () => Promise<Backend>;
  predictionLog: PredictionSink;
  shadow: ShadowSink;
}

export interface PredictNowInput {
  /** a model key, or `model_key@alias` */
  model_key: string;
  version?: string | undefined;
  alias?: string | undefined;
  rows: Row[];
}

export interface PredictNowResult {
  modelKey: string;
  loaded: LoadedVersion;
  alias: string | undefined;
  /** per row: its log id, its input as JSON text (logged and answered as is), its prediction */
  ids: number[];
  inputs: string[];
  outputs: Prediction[];
}

/** 422 naming each number a model cannot take (`data.0.x`: not finite, or beyond float32). */
export function checkNumbers(rows: Row[], field: "data" | "items"): void {
  const issues = unrepresentableNumbers(rows, field);
  const first = issues[0];
  if (first) throw invalid(`${first.path}: ${first.message}`, issues.slice(0, 100));
}

/** Anyone signed in predicts (the `user` role); the check is here so that every caller makes it. */
export function mayPredict(identity: Identity): void {
  if (!hasRole(identity.role, "user")) {
    throw new ServiceError(403, "forbidden", `this needs the user role; you have ${identity.role}`, {
      reason: "insufficient_role",
      required: "user",
    });
  }
}

/**
 * Predicts `input.rows` now and logs every row. Errors: 403 (role), 404 (model or version), 408
 * (past ML_PREDICT_TIMEOUT_MS: neither logged nor answered), 422 (numbers a model cannot take,
 * missing or mistyped features), 503 (training, or an artifact that cannot serve; with
 * ML_PREDICTION_LOG=sync, a log write that failed). `started` is the request's performance.now().
 */
export async function predictNow(
  deps: PredictNowDeps,
  identity: Identity,
  input: PredictNowInput,
  started: number,
): Promise<PredictNowResult> {
  mayPredict(identity);
  const { rows } = input;
  checkNumbers(rows, "data");
  const deadline = new Deadline(deps.config.ML_PREDICT_TIMEOUT_MS, () => deps.now().getTime());
  const { modelKey, version, alias } = await predictionTarget(deps.db, input);
  // the serving version is in memory after its first request: no timer to race then
  const cached = version === undefined ? deps.models.serving(modelKey) : undefined;
  const loaded =
    cached ?? (await deadline.race(version ? deps.models.version(modelKey, version) : deps.models.active(modelKey)));
  let outputs: Prediction[];
  try {
    // the host path (a few rows) runs synchronously inside: only a device batch can be raced
    const work = predictRows(deps.servingBackend, loaded, rows);
    outputs = rows.length > HOST_PREDICT_MAX_ROWS ? await deadline.race(work) : await work;
  } catch (e) {
    if (e instanceof FeatureError) throw invalid(e.message, e.details);
    throw e;
  }
  // past its limit the answer is neither logged nor sent
  deadline.check();
  const perRow = (performance.now() - started) / rows.length;
  const inputs: string[] = new Array(rows.length);
  const added: (number | Promise<number>)[] = new Array(rows.length);
  let waiting = false;
  for (let i = 0; i < rows.length; i++) {
    const o = outputs[i] as Prediction;
    const text = JSON.stringify(rows[i]);
    inputs[i] = text;
    const id = deps.predictionLog.add({
      model_key: modelKey,
      version: loaded.version,
      input: rows[i],
      input_json: text,
      prediction: o.prediction,
      confidence: o.confidence,
      latency_ms: perRow,
      created_by: identity.userId,
    });
    if (typeof id !== "number") waiting = true;
    added[i] = id;
  }
  // an id waits only when this process's id block ran out (once per block)
  const ids = waiting ? await Promise.all(added) : (added as number[]);
  // live traffic only: a copy for the model's shadow, predicted after this answer leaves
  if (version === undefined && deps.shadow.wants(modelKey)) {
    deps.shadow.offer(loaded, rows, predictionObjects(ids, rows, outputs));
  }
  if (deps.config.ML_PREDICTION_LOG === "sync") {
    try {
      await deps.predictionLog.committed();
    } catch (e) {
      throw new ServiceError(503, "not_ready", "the prediction could not be written to the log; try again", {
        reason: (e as Error).message,
      });
    }
  }
  return { modelKey, loaded, alias, ids, inputs, outputs };
}

/** Each row's answer with its log id and its input, as the shadow and the CSV answer take them. */
export function predictionObjects(ids: readonly number[], rows: readonly Row[], outputs: readonly Prediction[]) {
  return outputs.map((o, i) => ({ prediction_id: ids[i] as number, input: rows[i] as Row, ...o }));
}
