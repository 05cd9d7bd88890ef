/**
 * The dashboard's metrics page in numbers: per task, how many versions there are, ready and
 * failed, and their mean score (accuracy for classification, R² for regression); how many
 * predictions were logged; and one model's scores version by version, oldest first.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";

const parse = (s: string | null) => (s ? (JSON.parse(s) as Record<string, unknown>) : {});
const numOrNull = (x: unknown) => (typeof x === "number" ? x : null);

export interface TaskSummary {
  task: string;
  versions: number;
  ready: number;
  failed: number;
  mean: number | null;
}

export interface MetricsOverview {
  summary: TaskSummary[];
  predictions: number;
  models: string[];
  /** the model whose history is shown: the one asked for, else the first by key ("" when none) */
  model: string;
  /** its scored versions, oldest first, and one series per metric any of them has */
  labels: string[];
  series: { name: string; values: (number | null)[] }[];
}

export async function metricsOverview(db: Kysely<DB>, input: { model?: string | undefined }): Promise<MetricsOverview> {
  const rows = await db
    .selectFrom("model_versions")
    .innerJoin("models", "models.model_key", "model_versions.model_key")
    .select(["models.task_type", "model_versions.status", "model_versions.metrics"])
    .execute();
  const summary = ["classification", "regression"].map((task) => {
    const of = rows.filter((r) => r.task_type === task);
    const scores = of
      .filter((r) => r.status === "ready" || r.status === "archived")
      .map((r) => numOrNull(parse(r.metrics)[task === "classification" ? "accuracy" : "r2"]))
      .filter((x): x is number => x !== null);
    return {
      task,
      versions: of.length,
      ready: of.filter((r) => r.status === "ready").length,
      failed: of.filter((r) => r.status === "failed").length,
      mean: scores.length ? scores.reduce((s, x) => s + x, 0) / scores.length : null,
    };
  });
  const predictions = await db
    .selectFrom("predictions")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const models = (await db.selectFrom("models").select("model_key").orderBy("model_key").limit(1000).execute()).map(
    (m) => m.model_key,
  );
  const model = input.model || models[0] || "";
  const versions = await db
    .selectFrom("model_versions")
    .select(["version", "metrics"])
    .where("model_key", "=", model)
    .where("status", "in", ["ready", "archived"])
    .orderBy("completed_at")
    .limit(200)
    .execute();
  const m = versions.map((x) => parse(x.metrics));
  const keys = ["accuracy", "f1_macro", "r2"].filter((k) => m.some((x) => typeof x[k] === "number"));
  return {
    summary,
    predictions: Number(predictions.n),
    models,
    model,
    labels: versions.map((x) => x.version),
    series: keys.map((k) => ({ name: k, values: m.map((x) => numOrNull(x[k])) })),
  };
}
