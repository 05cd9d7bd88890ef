/**
 * Prediction results as their readers get them (`GET /predict/{job_id}`, its CSV export, the
 * dashboard's result and export pages): a batch's results, with the inputs they were made from,
 * belong to whoever asked for them and to admins. Anyone else gets the 404 an unknown id gets,
 * so a job id reveals nothing.
 */
import type { Kysely } from "kysely";
import { csvTable } from "../datasets/csv-writer";
import type { DB } from "../db/schema";
import { notFound } from "../errors";
import type { Row } from "../ml/features";
import { type Actor, canSeeOwnRecord } from "../registry/ownership";
import type { Prediction } from "../registry/serving";
import type { JobRow } from "./queue";

/** The `predict` job `id` when `actor` may read it; a 404 otherwise. */
export async function predictionJob(db: Kysely<DB>, actor: Actor, id: string): Promise<JobRow> {
  const job = await db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", id)
    .where("type", "=", "predict")
    .executeTakeFirst();
  if (!job || !canSeeOwnRecord(actor, job.created_by)) throw notFound(`prediction job ${id}`);
  return job;
}

export type PredictionResult = Prediction & { prediction_id?: number };

/**
 * The CSV of a result: `prediction_id` (when `ids`), the input fields (when `inputs` are given,
 * one row per prediction), then `prediction`, `confidence` and `score_<class>` per class.
 */
export function predictionsCsv(predictions: PredictionResult[], o: { ids?: boolean; inputs?: Row[] } = {}): string {
  const fields = Object.keys(o.inputs?.[0] ?? {});
  const classes = Object.keys(predictions[0]?.all_scores ?? {});
  const header = [
    ...(o.ids ? ["prediction_id"] : []),
    ...fields,
    "prediction",
    "confidence",
    ...classes.map((k) => `score_${k}`),
  ];
  const rows = predictions.map((p, i) => [
    ...(o.ids ? [p.prediction_id] : []),
    ...fields.map((k) => o.inputs?.[i]?.[k]),
    p.prediction,
    p.confidence,
    ...classes.map((k) => p.all_scores?.[k]),
  ]);
  return csvTable(header, rows);
}

/** One JSON object per prediction and line, in the input's order (NDJSON). */
export function predictionsNdjson(predictions: PredictionResult[]): string {
  return predictions.map((p) => `${JSON.stringify(p)}\n`).join("");
}
