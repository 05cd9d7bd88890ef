/**
 * The rows a retraining learns from beyond the original training data:
 *   feedback  labelled by a client (POST /feedback): a logged prediction's input with the
 *             given label, or a labelled row of features; the newest label of a prediction wins
 *   client    logged predictions the model was confident about (confidence ≥
 *             ML_CLIENT_DATA_CONFIDENCE_THRESHOLD), labelled with the predicted class. Regression
 *             predictions carry no confidence, so regression retrains on feedback + original only.
 * Predictions that received feedback are not reused as client rows (the feedback is better).
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { Row } from "../ml/features";
import { batchesIn, inputTexts } from "./batched-inputs";

/** rows kept per source, newest first: bounds the memory of a retraining */
export const MAX_CLIENT_ROWS = 100_000;

const parseObject = (text: string | null): Row | null => {
  if (text === null) return null;
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Row) : null;
  } catch {
    return null;
  }
};

export async function feedbackRows(db: Kysely<DB>, modelKey: string, target: string): Promise<Row[]> {
  const rows = await db
    .selectFrom("feedback as f")
    .leftJoin("predictions as p", "p.id", "f.prediction_id")
    .select(["f.id", "f.prediction_id", "f.input", "f.label", "p.input as logged", "p.batch_first_id", "p.batch_row"])
    .where("f.model_key", "=", modelKey)
    .orderBy("f.id", "desc")
    .limit(MAX_CLIENT_ROWS)
    .execute();
  // the labels' own inputs first; a logged one only where the label came without
  const logged = await inputTexts(
    batchesIn(db),
    rows.map((r) => ({
      input: r.input ?? r.logged ?? "null",
      batch_first_id: r.input === null ? r.batch_first_id : null,
      batch_row: r.batch_row,
    })),
  );
  const seen = new Set<number>();
  const out: Row[] = [];
  for (const [i, r] of rows.entries()) {
    if (r.prediction_id !== null) {
      if (seen.has(r.prediction_id)) continue;
      seen.add(r.prediction_id);
    }
    const input = parseObject(logged[i] as string);
    if (!input) continue;
    out.push({ ...input, [target]: JSON.parse(r.label) });
  }
  return out;
}

export async function confidentRows(
  db: Kysely<DB>,
  w: { modelKey: string; version: string; start: string; end: string; minConfidence: number; target: string },
): Promise<Row[]> {
  const rows = await db
    .selectFrom("predictions")
    .select(["input", "batch_first_id", "batch_row", "prediction"])
    .where("model_key", "=", w.modelKey)
    .where("version", "=", w.version)
    .where("created_at", ">=", w.start)
    .where("created_at", "<", w.end)
    .where("confidence", ">=", w.minConfidence)
    .where("id", "not in", (eb) =>
      eb
        .selectFrom("feedback")
        .select("prediction_id")
        .where("model_key", "=", w.modelKey)
        .where("prediction_id", "is not", null),
    )
    .orderBy("id", "desc")
    .limit(MAX_CLIENT_ROWS)
    .execute();
  const inputs = await inputTexts(batchesIn(db), rows);
  const out: Row[] = [];
  for (const [i, r] of rows.entries()) {
    const input = parseObject(inputs[i] as string);
    if (input) out.push({ ...input, [w.target]: JSON.parse(r.prediction) });
  }
  return out;
}
