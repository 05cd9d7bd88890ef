/**
 * Retention: the prediction log and the audit log would otherwise grow for ever (the log by
 * ~490 B a prediction of 64 features, `bun run bench:log-write`). Rows past their age are deleted
 * in bounded batches (src/db/batches.ts) by the hourly schedule; `sweepRetention` runs one sweep
 * now (the schedule, tests, operators).
 *
 * What is kept, and why drift keeps working:
 *  - predictions older than ML_PREDICTION_RETENTION_DAYS go, except those that feedback
 *    labelled (feedback reads its input from the prediction, and retraining reads feedback);
 *  - prediction_batches (the columnar copy drift checks read) go at the same age, so a batch
 *    never outlives all its rows' window, except a batch that holds a labelled prediction's
 *    input (migration 0016 stores most inputs there only); baselines live in the artifacts;
 *  - shadow predictions (shadow-traffic.ts) go at the same age, except those whose live
 *    prediction feedback labelled (the shadow comparison scores them);
 *  - request audit events after ML_AUDIT_RETENTION_DAYS, security events after
 *    ML_SECURITY_AUDIT_RETENTION_DAYS (src/events/retention.ts). 0 days keeps a kind for ever.
 *
 * @example
 * const r = await sweepRetention({ db, config }); // { predictions: 120000, prediction_batches: 130, … }
 */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import { inBatches } from "../db/batches";
import type { DB } from "../db/schema";
import { sweepAuditEvents } from "../events/retention";

const DAY_MS = 86_400_000;
/** rows per DELETE: a few milliseconds of write lock each */
export const DEFAULT_BATCH_ROWS = 5000;

export interface RetentionDeps {
  db: Kysely<DB>;
  config: Pick<Config, "ML_PREDICTION_RETENTION_DAYS" | "ML_AUDIT_RETENTION_DAYS" | "ML_SECURITY_AUDIT_RETENTION_DAYS">;
  now?: () => Date;
  batchRows?: number;
}

export interface RetentionResult {
  predictions: number;
  prediction_batches: number;
  shadow_predictions: number;
  events: number;
  security_events: number;
}

/** ISO time `days` before `now`; null for 0 (kept for ever). */
const cutoff = (now: Date, days: number) => (days === 0 ? null : new Date(now.getTime() - days * DAY_MS).toISOString());

/** Deletes logged predictions (their batches, their shadows' predictions) older than `before`, keeping labelled ones. */
export async function sweepPredictionLog(
  db: Kysely<DB>,
  before: string,
  batchRows = DEFAULT_BATCH_ROWS,
): Promise<{ predictions: number; prediction_batches: number; shadow_predictions: number }> {
  // rows first, then batches: a label given meanwhile keeps its row (and so its batch), or
  // finds its prediction gone and is refused; it never keeps a row whose batch went
  const predictions = await inBatches(batchRows, async (limit) => {
    const r = await db
      .deleteFrom("predictions")
      .where("id", "in", (eb) =>
        eb
          .selectFrom("predictions as p")
          .select("p.id")
          .where("p.created_at", "<", before)
          .where(({ not, exists, selectFrom }) =>
            not(exists(selectFrom("feedback as f").select("f.id").whereRef("f.prediction_id", "=", "p.id"))),
          )
          .orderBy("p.created_at")
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  });
  const prediction_batches = await inBatches(batchRows, async (limit) => {
    const r = await db
      .deleteFrom("prediction_batches")
      .where("id", "in", (eb) =>
        eb
          .selectFrom("prediction_batches")
          .select("id")
          .where("created_to", "<", before)
          // a labelled prediction is kept, and so is the batch that holds its input (0016)
          .where("first_prediction_id", "not in", (sub) =>
            sub
              .selectFrom("feedback as f")
              .innerJoin("predictions as p", "p.id", "f.prediction_id")
              .select("p.batch_first_id")
              .where("p.batch_first_id", "is not", null),
          )
          .orderBy("created_to")
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  });
  const shadow_predictions = await inBatches(batchRows, async (limit) => {
    const r = await db
      .deleteFrom("shadow_predictions")
      .where("id", "in", (eb) =>
        eb
          .selectFrom("shadow_predictions as s")
          .select("s.id")
          .where("s.created_at", "<", before)
          .where(({ not, exists, selectFrom }) =>
            not(exists(selectFrom("feedback as f").select("f.id").whereRef("f.prediction_id", "=", "s.prediction_id"))),
          )
          .orderBy("s.created_at")
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  });
  return { predictions, prediction_batches, shadow_predictions };
}

/** One sweep of everything past its retention; what it deleted, by kind. */
export async function sweepRetention(
  deps: RetentionDeps,
  now: Date = (deps.now ?? (() => new Date()))(),
): Promise<RetentionResult> {
  const batchRows = deps.batchRows ?? DEFAULT_BATCH_ROWS;
  const predictionsBefore = cutoff(now, deps.config.ML_PREDICTION_RETENTION_DAYS);
  const log = predictionsBefore
    ? await sweepPredictionLog(deps.db, predictionsBefore, batchRows)
    : { predictions: 0, prediction_batches: 0, shadow_predictions: 0 };
  const audit = await sweepAuditEvents(
    deps.db,
    {
      requests: cutoff(now, deps.config.ML_AUDIT_RETENTION_DAYS),
      security: cutoff(now, deps.config.ML_SECURITY_AUDIT_RETENTION_DAYS),
    },
    batchRows,
  );
  return { ...log, ...audit };
}
