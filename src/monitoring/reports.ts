/** Reading back what monitoring wrote: daily drift reports and retrainings, as the API shows them. */
import type { Kysely, Selectable } from "kysely";
import type { DB } from "../db/schema";
import type { DriftChecksTable, RetrainingsTable } from "../db/tables/monitoring";
import type { FeatureDrift } from "./drift";

const parse = (s: string | null) => (s === null ? null : (JSON.parse(s) as unknown));

/** The columns a kept check and a day's summary share. */
type CheckColumns = Pick<
  Selectable<DriftChecksTable>,
  | "id"
  | "model_key"
  | "check_date"
  | "version"
  | "status"
  | "drifted"
  | "reason"
  | "rows"
  | "share_drifted"
  | "window_start"
  | "window_end"
  | "created_at"
  | "report"
>;

/**
 * What a drift check shows, whether a kept check (history.ts) or a day's summary: its
 * verdict and window; `withFeatures` adds the per-feature statistics from the stored report.
 */
export function checkFields(r: CheckColumns, withFeatures: boolean) {
  const report = parse(r.report) as {
    features?: FeatureDrift[];
    drifted_features?: string[];
    min_rows?: number;
  } | null;
  return {
    check_id: r.id,
    model_key: r.model_key,
    check_date: r.check_date,
    version: r.version,
    status: r.status,
    drifted: r.drifted === null ? null : r.drifted === 1,
    reason: r.reason,
    rows: r.rows,
    min_rows: report?.min_rows ?? null,
    share_drifted: r.share_drifted,
    drifted_features: report?.drifted_features ?? [],
    window_start: r.window_start,
    window_end: r.window_end,
    created_at: r.created_at,
    ...(withFeatures ? { features: report?.features ?? [] } : {}),
  };
}

export function driftCheckView(r: Selectable<DriftChecksTable>, withFeatures: boolean) {
  return {
    ...checkFields(r, withFeatures),
    /** the kept check this summary shows (GET /drift/checks/{id}), and how many ran that day */
    run_id: r.run_id,
    checks: r.checks,
  };
}

export interface ReportFilter {
  modelKey?: string | undefined;
  /** check_date bounds, YYYY-MM-DD, inclusive */
  from?: string | undefined;
  to?: string | undefined;
  drifted?: boolean | undefined;
  limit: number;
  offset: number;
}

/** Newest day first, then model key. */
export async function listDriftReports(db: Kysely<DB>, f: ReportFilter, withFeatures = false) {
  let q = db.selectFrom("drift_checks");
  if (f.modelKey) q = q.where("model_key", "=", f.modelKey);
  if (f.from) q = q.where("check_date", ">=", f.from);
  if (f.to) q = q.where("check_date", "<=", f.to);
  if (f.drifted !== undefined) q = q.where("drifted", "=", f.drifted ? 1 : 0);
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await q
    .selectAll()
    .orderBy("check_date", "desc")
    .orderBy("model_key")
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  return {
    items: rows.map((r) => driftCheckView(r, withFeatures)),
    total: Number(n),
    limit: f.limit,
    offset: f.offset,
  };
}

export function retrainingView(r: Selectable<RetrainingsTable>) {
  return {
    id: r.id,
    model_key: r.model_key,
    source_version: r.source_version,
    new_version: r.new_version,
    job_id: r.job_id,
    trigger: r.trigger,
    status: r.status,
    reason: r.reason,
    delta: r.delta,
    old_metrics: parse(r.old_metrics),
    new_metrics: parse(r.new_metrics),
    details: parse(r.details),
    reverted_at: r.reverted_at,
    created_at: r.created_at,
  };
}

export async function listRetrainings(
  db: Kysely<DB>,
  f: { modelKey?: string | undefined; status?: string | undefined; limit: number; offset: number },
) {
  let q = db.selectFrom("retrainings");
  if (f.modelKey) q = q.where("model_key", "=", f.modelKey);
  if (f.status) q = q.where("status", "=", f.status as "activated" | "rejected" | "failed");
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy("id", "desc").limit(f.limit).offset(f.offset).execute();
  return { items: rows.map(retrainingView), total: Number(n), limit: f.limit, offset: f.offset };
}

/**
 * Records a rollback (who, from, to) and marks the retraining that produced the version rolled
 * away from as reverted.
 */
export async function recordRollback(
  db: Kysely<DB>,
  r: { modelKey: string; from: string | null; to: string; by: string; at: string },
) {
  await db
    .insertInto("rollbacks")
    .values({ model_key: r.modelKey, from_version: r.from, to_version: r.to, by: r.by, at: r.at })
    .execute();
  if (r.from && r.from !== r.to) {
    await db
      .updateTable("retrainings")
      .set({ reverted_at: r.at })
      .where("model_key", "=", r.modelKey)
      .where("new_version", "=", r.from)
      .where("status", "=", "activated")
      .where("reverted_at", "is", null)
      .execute();
  }
}

export async function listRollbacks(db: Kysely<DB>, modelKey: string) {
  const rows = await db
    .selectFrom("rollbacks")
    .selectAll()
    .where("model_key", "=", modelKey)
    .orderBy("id", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    model_key: r.model_key,
    from_version: r.from_version,
    to_version: r.to_version,
    by: r.by,
    at: r.at,
  }));
}
