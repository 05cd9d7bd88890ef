/**
 * The JSON text of a `POST /predict` answer, written by hand in one pass. `JSON.stringify` of the
 * same objects is slow on `all_scores`: class labels such as "0".."9" are index-like keys, which
 * take the engine's generic path (~4 µs a row for ten classes, measured in bench/serve-breakdown.ts).
 * Here each version's score keys are quoted once, the scores are read from the float32 array
 * predictRows filled the objects from (when the outputs came from there), and each row's `input`
 * is the JSON text the prediction log stores too, so a row is serialised once for both.
 *
 * The text is byte for byte what `c.json(answer)` wrote before: same keys, same order, numbers
 * as `JSON.stringify` writes them (non-finite ones as `null`).
 */
import type { PredictNowResult } from "../../registry/predict-now";
import { type Prediction, rawScores } from "../../registry/serving";

/** A class list's score keys in the order JSON.stringify writes them (index-like keys first, ascending). */
interface ScoreKeys {
  names: string[];
  /** `"name":` for each of names */
  quoted: string[];
  /** for each of names, its class's column in the raw scores; null when two classes share a key */
  column: number[] | null;
}

/** One per class list, i.e. per loaded model version. */
const keysOf = new WeakMap<readonly unknown[], ScoreKeys>();

function scoreKeys(classes: readonly unknown[]): ScoreKeys {
  let keys = keysOf.get(classes);
  if (!keys) {
    const probe: Record<string, number> = {};
    classes.forEach((c, j) => {
      probe[String(c)] = j;
    });
    const names = Object.keys(probe);
    keys = {
      names,
      quoted: names.map((n) => `${JSON.stringify(n)}:`),
      column: names.length === classes.length ? names.map((n) => probe[n] as number) : null,
    };
    keysOf.set(classes, keys);
  }
  return keys;
}

const num = (x: number): string => (Number.isFinite(x) ? String(x) : "null");

/** `all_scores` as JSON.stringify would write it, with the keys quoted once per version. */
function scoresJson(scores: Record<string, number> | null, keys: ScoreKeys): string {
  if (scores === null) return "null";
  const { names, quoted } = keys;
  let out = "{";
  for (let j = 0; j < names.length; j++) {
    const p = scores[names[j] as string];
    if (typeof p !== "number") return JSON.stringify(scores);
    out += `${j ? "," : ""}${quoted[j]}${num(p)}`;
  }
  return Object.keys(scores).length === names.length ? `${out}}` : JSON.stringify(scores);
}

export interface PredictAnswer {
  model_key: string;
  version: string;
  alias?: string | undefined;
  /** one per row: its log id, its input as JSON text, and what predictRows answered */
  ids: readonly number[];
  inputs: readonly string[];
  outputs: readonly Prediction[];
  /** the model's class labels in score order (none for regression) */
  classes: readonly unknown[];
  processing_time_ms: number;
}

/**
 * Row `r`'s `"confidence":…,"all_scores":{…}` from the float32 scores predictRows read the objects
 * from (rows × classes): no key lookups, and the confidence (the highest score) formatted once.
 */
function rawScoresJson(raw: Float32Array, r: number, confidence: number, keys: ScoreKeys, column: number[]): string {
  const { quoted } = keys;
  const at = r * column.length;
  let scores = "";
  let conf: string | undefined;
  for (let j = 0; j < column.length; j++) {
    const p = raw[at + (column[j] as number)] as number;
    const text = num(p);
    if (p === confidence) conf = text;
    scores += j ? `,${quoted[j]}${text}` : `${quoted[j]}${text}`;
  }
  return `"confidence":${conf ?? num(confidence)},"all_scores":{${scores}}`;
}

/** The answer's JSON text (see the file comment). */
export function predictAnswerJson(a: PredictAnswer): string {
  const keys = scoreKeys(a.classes);
  const raw = rawScores(a.outputs);
  const column = raw && keys.column && raw.length === a.outputs.length * keys.column.length ? keys.column : null;
  const alias = a.alias !== undefined ? `,"alias":${JSON.stringify(a.alias)}` : "";
  // one growing string: the engine appends without copying, and flattens once at the end
  let out = `{"model_key":${JSON.stringify(a.model_key)},"version":${JSON.stringify(a.version)}${alias},"predictions":[`;
  for (let i = 0; i < a.outputs.length; i++) {
    const o = a.outputs[i] as Prediction;
    out += `${i ? "," : ""}{"prediction_id":${a.ids[i]},"input":${a.inputs[i]},"prediction":${JSON.stringify(o.prediction)},`;
    if (column && raw && o.all_scores !== null && o.confidence !== null) {
      out += `${rawScoresJson(raw, i, o.confidence, keys, column)}}`;
    } else {
      const confidence = o.confidence === null ? "null" : num(o.confidence);
      out += `"confidence":${confidence},"all_scores":${scoresJson(o.all_scores, keys)}}`;
    }
  }
  return `${out}],"processing_time_ms":${num(a.processing_time_ms)}}`;
}

/** The answer of a prediction made `started` (performance.now()) ago. */
export function answerOf(done: PredictNowResult, started: number): PredictAnswer {
  return {
    model_key: done.modelKey,
    version: done.loaded.version,
    alias: done.alias,
    ids: done.ids,
    inputs: done.inputs,
    outputs: done.outputs,
    classes: done.loaded.artifact.model.classes ?? [],
    processing_time_ms: Math.round((performance.now() - started) * 1000) / 1000,
  };
}
