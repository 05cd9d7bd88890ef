/**
 * What /metrics says per model, read at scrape time: the serving (active) version with its
 * task, the numeric scores recorded when it was trained, and the latest daily drift check's
 * share of drifted features. One row per model that has an active version.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";

export interface ModelSeries {
  model_key: string;
  version: string;
  task: string;
  /** top-level numeric metrics of the version (accuracy, f1_macro, r2, rmse, …) */
  scores: Record<string, number>;
  drift: { share: number; status: string; checked_at: string; version: string | null } | null;
}

/** Metric names are label values here; keep them to plain identifiers. */
const SCORE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

function numericScores(json: string | null): Record<string, number> {
  if (!json) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  const out: Record<string, number> = {};
  if (parsed && typeof parsed === "object") {
    for (const [k, v] of Object.entries(parsed)) {
      if (SCORE_NAME.test(k) && typeof v === "number" && Number.isFinite(v)) out[k] = v;
    }
  }
  return out;
}

export async function modelSeries(db: Kysely<DB>): Promise<ModelSeries[]> {
  const active = await db
    .selectFrom("models")
    .innerJoin("model_versions", (j) =>
      j
        .onRef("model_versions.model_key", "=", "models.model_key")
        .onRef("model_versions.version", "=", "models.active_version"),
    )
    .select(["models.model_key", "models.task_type", "model_versions.version", "model_versions.metrics"])
    .orderBy("models.model_key")
    .execute();
  const checks = await db
    .selectFrom("drift_checks")
    .select(["model_key", "share_drifted", "status", "created_at", "version"])
    .where("id", "in", (eb) =>
      eb
        .selectFrom("drift_checks as latest")
        .select((e) => e.fn.max("latest.id").as("id"))
        .groupBy("latest.model_key"),
    )
    .execute();
  const byModel = new Map(checks.map((c) => [c.model_key, c]));
  return active.map((m) => {
    const c = byModel.get(m.model_key);
    return {
      model_key: m.model_key,
      version: m.version,
      task: m.task_type,
      scores: numericScores(m.metrics),
      drift: c ? { share: c.share_drifted, status: c.status, checked_at: c.created_at, version: c.version } : null,
    };
  });
}
