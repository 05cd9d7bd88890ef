/**
 * The prediction log as clients read it (seed 004's PredictionLog: timestamp, model, input,
 * prediction, confidence, response_time_ms), newest first, filtered by model, version and a time
 * range, paged; and the same rows as CSV. Admins read every prediction; anyone else the ones
 * their own requests got (the log holds other users' inputs).
 */
import type { Kysely } from "kysely";
import { csvTable } from "../datasets/csv-writer";
import type { DB } from "../db/schema";
import { invalid } from "../errors";
import { type Actor, isAdmin } from "../registry/ownership";
import { batchesIn, inputTexts } from "./batched-inputs";

export interface PredictionQuery {
  modelKey?: string | undefined;
  version?: string | undefined;
  /** inclusive ISO time; absent: from the first */
  from?: string | undefined;
  /** inclusive ISO time; absent: up to now, whatever the clock says when the query runs */
  to?: string | undefined;
  limit: number;
  offset: number;
}

export interface PredictionRecord {
  prediction_id: number;
  model_key: string;
  version: string;
  timestamp: string;
  input: Record<string, unknown>;
  prediction: unknown;
  confidence: number | null;
  response_time_ms: number | null;
  job_id: string | null;
}

/** One page of logged predictions and how many match. 422 when `from` is after `to`. */
export async function listPredictions(
  db: Kysely<DB>,
  actor: Actor,
  q: PredictionQuery,
): Promise<{ items: PredictionRecord[]; total: number; limit: number; offset: number }> {
  if (q.from && q.to && q.from > q.to)
    throw invalid("from must not be after to", [{ path: "from", message: "after to" }]);
  let base = db.selectFrom("predictions");
  if (!isAdmin(actor)) base = base.where("created_by", "=", actor.userId);
  if (q.modelKey) base = base.where("model_key", "=", q.modelKey);
  if (q.version) base = base.where("version", "=", q.version);
  if (q.from) base = base.where("created_at", ">=", q.from);
  if (q.to) base = base.where("created_at", "<=", q.to);
  const [{ n }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
    base
      .select([
        "id",
        "model_key",
        "version",
        "created_at",
        "input",
        "batch_first_id",
        "batch_row",
        "prediction",
        "confidence",
        "latency_ms",
        "job_id",
      ])
      .orderBy("id", "desc")
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
  ]);
  const inputs = await inputTexts(batchesIn(db), rows);
  const items = rows.map((r, i) => ({
    prediction_id: r.id,
    model_key: r.model_key,
    version: r.version,
    timestamp: r.created_at,
    input: JSON.parse(inputs[i] as string) as Record<string, unknown>,
    prediction: JSON.parse(r.prediction) as unknown,
    confidence: r.confidence,
    response_time_ms: r.latency_ms,
    job_id: r.job_id,
  }));
  return { items, total: Number(n), limit: q.limit, offset: q.offset };
}

/** The page as CSV: one column per input field seen on the page, formula-looking cells neutralised. */
export function predictionsLogCsv(items: PredictionRecord[]): string {
  const fields = [...new Set(items.flatMap((p) => Object.keys(p.input)))];
  const header = [
    "prediction_id",
    "timestamp",
    "model_key",
    "version",
    ...fields,
    "prediction",
    "confidence",
    "response_time_ms",
  ];
  const rows = items.map((p) => [
    p.prediction_id,
    p.timestamp,
    p.model_key,
    p.version,
    ...fields.map((f) => p.input[f]),
    p.prediction,
    p.confidence,
    p.response_time_ms,
  ]);
  return csvTable(header, rows);
}
