/**
 * What drift compares, feature by feature, decided once from the version's feature spec so
 * that the training baseline and the logged traffic go through the SAME conversion:
 *   numeric      the raw value as the client sent it (numeric strings read as numbers)
 *   boolean      0/1, compared as a numeric feature
 *   categorical  the value as a string
 *   text         its length in characters, compared as a numeric feature (hashed n-grams
 *                have no stable bins; a shift in length is the drift we can see cheaply)
 * Missing values are NaN (numeric) or null (categorical) and counted as missing, never 0.
 */
import type { FeatureSpec, Row } from "../ml/features";
import { isMissing, numericValue } from "../ml/features";
import type { Label, MlpModel } from "../ml/model";
import { predictLabels } from "../ml/predict";
import { type Baseline, buildBaseline } from "./baseline";
import type { DriftColumn } from "./drift";

/** Rows → one column per spec feature. A feature no row carries at all is left out (the
 * accumulator then reports it "missing from current data" instead of counting it missing). */
export function driftColumns(spec: FeatureSpec, rows: ReadonlyArray<Row>): Record<string, DriftColumn> {
  const out: Record<string, DriftColumn> = {};
  const n = rows.length;
  for (const f of spec.features) {
    let seen = false;
    if (f.kind === "categorical") {
      const col: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const row = rows[i] as Row;
        const v = row[f.name];
        if (v !== undefined) seen = true;
        col[i] = isMissing(v) ? null : String(v);
      }
      if (seen) out[f.name] = col;
      continue;
    }
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i] as Row;
      const v = row[f.name];
      if (v !== undefined) seen = true;
      const x = f.kind === "text" ? (isMissing(v) ? undefined : String(v).length) : numericValue(f, v);
      col[i] = x === undefined ? Number.NaN : x;
    }
    if (seen) out[f.name] = col;
  }
  return out;
}

export interface TrainingBaselineInput {
  spec: FeatureSpec;
  /** the rows the model was fitted on */
  fitRows: ReadonlyArray<Row>;
  model: MlpModel;
  /** the model's outputs on the held-out rows (probabilities rows×classes for classification) */
  heldOutputs: Float32Array;
  bins: number;
}

/**
 * The baseline saved with a version: features from the fit rows, predictions (class and
 * confidence) from the held-out rows, which the model did not see, so they look like traffic.
 * Regression versions have no prediction baseline (there is no confidence).
 */
export function trainingBaseline(input: TrainingBaselineInput): Baseline {
  const { spec, model } = input;
  const columns = driftColumns(spec, input.fitRows);
  const numeric: Record<string, Float64Array> = {};
  const categorical: Record<string, (string | null)[]> = {};
  for (const f of spec.features) {
    // a feature absent from every fit row still gets an (empty) reference, so it is reported
    const col = columns[f.name] ?? (f.kind === "categorical" ? [] : new Float64Array(0));
    if (f.kind === "categorical") categorical[f.name] = padded(col as (string | null)[], input.fitRows.length);
    else
      numeric[f.name] = col.length === input.fitRows.length ? (col as Float64Array) : nanColumn(input.fitRows.length);
  }
  let predictions: { classes: Label[]; confidences: Float64Array } | undefined;
  if (model.task === "classification" && model.classes && input.heldOutputs.length > 0) {
    const k = model.classes.length;
    const rows = input.heldOutputs.length / k;
    const confidences = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 0; c < k; c++) best = Math.max(best, input.heldOutputs[r * k + c] as number);
      confidences[r] = best;
    }
    predictions = { classes: predictLabels(model, input.heldOutputs), confidences };
  }
  return buildBaseline({ numeric, categorical, ...(predictions ? { predictions } : {}) }, { bins: input.bins });
}

const nanColumn = (n: number) => new Float64Array(n).fill(Number.NaN);
const padded = (col: (string | null)[], n: number) => (col.length === n ? col : new Array<null>(n).fill(null));
