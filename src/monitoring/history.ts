/**
 * The kept history of drift checks (drift_check_runs, one row per check) and the daily summary
 * beside it (drift_checks, one row per model per day, the seed's daily report). A check is
 * written once; the day's summary shows the gravest check of the day, the latest among equals:
 * drift > decided no drift > undecided. So two checks on one day never lose a decided drift,
 * whatever the second found (an undecided "0 rows" after a retrain switched versions).
 */
import type { Kysely, Selectable } from "kysely";
import type { DB } from "../db/schema";
import type { DriftCheckRunsTable } from "../db/tables/monitoring";
import { notFound } from "../errors";
import type { FeatureDrift } from "./drift";
import { checkFields, type ReportFilter } from "./reports";

/** One check as written, before it has an id. */
export interface CheckRecord {
  model_key: string;
  version: string | null;
  check_date: string;
  status: "decided" | "undecided";
  drifted: 0 | 1 | null;
  reason: string;
  rows: number;
  share_drifted: number;
  window_start: string;
  window_end: string;
  /** JSON of the DriftReport, "null" when nothing was compared */
  report: string;
  created_at: string;
}

const grave = (r: { status: string; drifted: number | null }) => (r.drifted === 1 ? 2 : r.status === "decided" ? 1 : 0);

/** The day's summary before this check: what the check compares with to alert once a day. */
export async function daySummary(db: Kysely<DB>, modelKey: string, date: string) {
  return db
    .selectFrom("drift_checks")
    .select(["drifted", "version", "status"])
    .where("model_key", "=", modelKey)
    .where("check_date", "=", date)
    .executeTakeFirst();
}

/** Keeps a check; returns its id. */
export async function insertCheck(db: Kysely<DB>, record: CheckRecord): Promise<number> {
  const row = await db.insertInto("drift_check_runs").values(record).returning("id").executeTakeFirstOrThrow();
  return row.id;
}

/** Notes the alert and retrain job a kept check led to. */
export async function noteCheckOutcome(
  db: Kysely<DB>,
  id: number,
  outcome: { alert_id: number | null; retrain_job_id: string | null },
): Promise<void> {
  await db.updateTable("drift_check_runs").set(outcome).where("id", "=", id).execute();
}

/**
 * Counts the check in its day's summary, and makes it the summary when it is at least as grave
 * as the one shown; in one transaction, so two checks finishing together are both counted.
 */
export async function summariseDay(db: Kysely<DB>, runId: number, record: CheckRecord): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const shown = await tx
      .selectFrom("drift_checks")
      .select(["id", "status", "drifted"])
      .where("model_key", "=", record.model_key)
      .where("check_date", "=", record.check_date)
      .executeTakeFirst();
    if (!shown) {
      await tx
        .insertInto("drift_checks")
        .values({ ...record, run_id: runId, checks: 1 })
        .execute();
      return;
    }
    const counted = tx.updateTable("drift_checks").where("id", "=", shown.id);
    if (grave(record) >= grave(shown)) {
      const { model_key: _, check_date: __, ...values } = record;
      await counted.set((eb) => ({ ...values, run_id: runId, checks: eb("checks", "+", 1) })).execute();
    } else await counted.set((eb) => ({ checks: eb("checks", "+", 1) })).execute();
  });
}

const parse = (s: string) => JSON.parse(s) as unknown;

/** A kept check as the API shows it; `withFeatures` adds the per-feature statistics. */
export function checkRunView(r: Selectable<DriftCheckRunsTable>, withFeatures: boolean) {
  return { ...checkFields(r, withFeatures), alert_id: r.alert_id, retrain_job_id: r.retrain_job_id };
}

export type CheckRunView = ReturnType<typeof checkRunView>;

/** The daily reports' filter: model, check_date bounds, drifted, paging. */
export type CheckFilter = ReportFilter;

/** Kept checks, newest first. */
export async function listCheckRuns(db: Kysely<DB>, f: CheckFilter, withFeatures = false) {
  let q = db.selectFrom("drift_check_runs");
  if (f.modelKey) q = q.where("model_key", "=", f.modelKey);
  if (f.from) q = q.where("check_date", ">=", f.from);
  if (f.to) q = q.where("check_date", "<=", f.to);
  if (f.drifted !== undefined) q = q.where("drifted", "=", f.drifted ? 1 : 0);
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy("id", "desc").limit(f.limit).offset(f.offset).execute();
  return {
    items: rows.map((r) => checkRunView(r, withFeatures)),
    total: Number(n),
    limit: f.limit,
    offset: f.offset,
  };
}

/** One kept check with its per-feature statistics and histograms; 404 when there is none. */
export async function getCheckRun(db: Kysely<DB>, id: number): Promise<CheckRunView> {
  const row = Number.isSafeInteger(id)
    ? await db.selectFrom("drift_check_runs").selectAll().where("id", "=", id).executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`drift check ${id}`);
  return checkRunView(row, true);
}

/** Per feature, the PSI of each day's summary from `from` (YYYY-MM-DD) on, oldest first; null where undecided. */
export async function featureTrend(db: Kysely<DB>, modelKey: string, from: string) {
  const rows = await db
    .selectFrom("drift_checks")
    .select(["check_date", "report"])
    .where("model_key", "=", modelKey)
    .where("check_date", ">=", from)
    .orderBy("check_date")
    .execute();
  const days = rows.map((r) => r.check_date);
  const series = new Map<string, (number | null)[]>();
  rows.forEach((r, day) => {
    const report = parse(r.report) as { features?: FeatureDrift[] } | null;
    for (const f of report?.features ?? []) {
      const values = series.get(f.feature) ?? new Array<number | null>(rows.length).fill(null);
      values[day] = f.psi;
      series.set(f.feature, values);
    }
  });
  return { days, features: [...series].map(([feature, psi]) => ({ feature, psi })) };
}
