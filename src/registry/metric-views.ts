/**
 * The metric views over every model's versions: `GET /metrics/summary` (per task: how many
 * versions, the mean and best score, the mean training time) and `GET /metrics/trends` (the
 * scores of ready versions in the order they were finished, for charts).
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { countModels } from "./queries";

const parse = (s: string | null) => (s === null ? null : JSON.parse(s));

export interface TaskSummary {
  versions: number;
  ready: number;
  failed: number;
  mean_score: number | null;
  best: { model_key: string; version: string; score: number } | null;
  mean_training_time_s: number | null;
}

/** Scores are accuracy for classification and R² for regression; archived versions count as ready. */
export async function metricsSummary(db: Kysely<DB>) {
  const rows = await db
    .selectFrom("model_versions")
    .innerJoin("models", "models.model_key", "model_versions.model_key")
    .select([
      "models.task_type",
      "model_versions.model_key",
      "model_versions.version",
      "model_versions.metrics",
      "model_versions.training_time_s",
      "model_versions.status",
    ])
    .execute();
  const byTask: Record<string, TaskSummary> = {};
  for (const task of ["classification", "regression"]) {
    const of = rows.filter((r) => r.task_type === task);
    const ready = of.filter((r) => r.status === "ready" || r.status === "archived");
    const scored = ready
      .map((r) => ({
        r,
        score: (parse(r.metrics)?.[task === "classification" ? "accuracy" : "r2"] ?? null) as number | null,
      }))
      .filter((x) => x.score !== null) as { r: (typeof rows)[number]; score: number }[];
    const best = scored.sort((a, b) => b.score - a.score)[0];
    const times = ready.map((r) => r.training_time_s ?? 0);
    byTask[task] = {
      versions: of.length,
      ready: ready.length,
      failed: of.filter((r) => r.status === "failed").length,
      mean_score: scored.length ? scored.reduce((s, x) => s + x.score, 0) / scored.length : null,
      best: best ? { model_key: best.r.model_key, version: best.r.version, score: best.score } : null,
      mean_training_time_s: times.length ? times.reduce((s, t) => s + t, 0) / times.length : null,
    };
  }
  const predictions = await db
    .selectFrom("predictions")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return { models: await countModels(db), predictions_logged: Number(predictions.n), by_task: byTask };
}

/** the scores a trend point carries (null where the task has none: accuracy for regression, …) */
const TREND_SCORES = ["accuracy", "f1_macro", "r2", "rmse"] as const;

/**
 * Ready and archived versions (of one model, or all) in the order they were finished;
 * `withArchived: false` leaves out those whose artifact is gone.
 */
export async function metricsTrends(
  db: Kysely<DB>,
  q: { modelKey?: string | undefined; limit: number; offset: number; withArchived?: boolean },
) {
  const statuses = q.withArchived === false ? (["ready"] as const) : (["ready", "archived"] as const);
  let versions = db.selectFrom("model_versions").where("status", "in", statuses);
  if (q.modelKey) versions = versions.where("model_key", "=", q.modelKey);
  const [rows, total] = await Promise.all([
    versions.selectAll().orderBy("completed_at").orderBy("id").limit(q.limit).offset(q.offset).execute(),
    versions.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(total.n),
    limit: q.limit,
    offset: q.offset,
    items: rows.map((r) => {
      const m = parse(r.metrics) ?? {};
      const scores = Object.fromEntries(TREND_SCORES.map((k) => [k, m[k] ?? null]));
      return {
        model_key: r.model_key,
        version: r.version,
        completed_at: r.completed_at,
        ...scores,
        training_time_s: r.training_time_s,
      };
    }),
  };
}
