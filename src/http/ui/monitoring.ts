/**
 * The dashboard's window on monitoring: open alerts and drift checks. The tables (`alerts`,
 * `drift_checks`) belong to the monitoring module, built in parallel; until they exist every
 * function here answers "not available" (null) and the pages say so. Rows are read with
 * `SELECT *` and mapped leniently onto the view shapes (views/types.ts), so the column names
 * of the final migration only need to be checked here, in one place.
 */
import type { Database } from "bun:sqlite";
import type { AlertItem, DriftCheckItem, FeatureDriftItem } from "../../../views/types";

type Raw = Record<string, unknown>;

const present = new Set<string>();

/** Whether a table exists; a positive answer is remembered (tables are not dropped at run time). */
export function hasTable(sqlite: Database, name: string): boolean {
  if (present.has(name)) return true;
  const row = sqlite.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
  if (row) present.add(name);
  return Boolean(row);
}

function columns(sqlite: Database, table: string): Set<string> {
  return new Set((sqlite.query(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((r) => r.name));
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const json = (v: unknown): unknown => {
  if (typeof v !== "string") return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return null;
  }
};

function toAlert(r: Raw): AlertItem {
  const severity = String(r.severity ?? r.level ?? "warning");
  return {
    id: Number(r.id),
    model_key: str(r.model_key),
    kind: String(r.kind ?? r.type ?? "alert"),
    severity: severity === "critical" || severity === "info" ? severity : "warning",
    message: String(r.message ?? r.title ?? r.detail ?? ""),
    created_at: String(r.created_at ?? r.time ?? ""),
    dismissed_at: str(r.dismissed_at ?? r.resolved_at ?? r.acknowledged_at),
  };
}

/** the column that marks an alert handled, whichever name the migration chose */
function dismissColumn(sqlite: Database): string | null {
  const cols = columns(sqlite, "alerts");
  return ["dismissed_at", "resolved_at", "acknowledged_at"].find((c) => cols.has(c)) ?? null;
}

export interface AlertPage {
  items: AlertItem[];
  total: number;
}

/** Alerts newest first; `open` keeps the undismissed ones. Null when the table is missing. */
export function listAlerts(sqlite: Database, o: { open: boolean; limit: number; offset: number }): AlertPage | null {
  if (!hasTable(sqlite, "alerts")) return null;
  const col = dismissColumn(sqlite);
  const where = o.open && col ? `WHERE ${col} IS NULL` : "";
  const total = (sqlite.query(`SELECT count(*) AS n FROM alerts ${where}`).get() as { n: number }).n;
  const rows = sqlite.query(`SELECT * FROM alerts ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(o.limit, o.offset);
  return { items: (rows as Raw[]).map(toAlert), total };
}

export function openAlertSummary(sqlite: Database): { open: number; latest: AlertItem | null } | null {
  const page = listAlerts(sqlite, { open: true, limit: 1, offset: 0 });
  return page ? { open: page.total, latest: page.items[0] ?? null } : null;
}

/** Marks an alert dismissed; false when there is no such open alert (or no table). */
export function dismissAlert(sqlite: Database, id: number, at: string, by: string): boolean {
  if (!hasTable(sqlite, "alerts")) return false;
  const col = dismissColumn(sqlite);
  if (!col) return false;
  const who = columns(sqlite, "alerts").has("dismissed_by") ? ", dismissed_by = ?" : "";
  const args = who ? [at, by, id] : [at, id];
  return sqlite.query(`UPDATE alerts SET ${col} = ?${who} WHERE id = ? AND ${col} IS NULL`).run(...args).changes > 0;
}

function toFeatures(report: unknown): FeatureDriftItem[] {
  const r = report as Raw | null;
  const list = Array.isArray(r) ? r : Array.isArray(r?.features) ? (r?.features as unknown[]) : [];
  return (list as Raw[]).map((f) => ({
    feature: String(f.feature ?? f.name ?? "?"),
    psi: num(f.psi),
    js: num(f.js ?? f.jensen_shannon),
    ks: num(f.ks_stat ?? f.ks ?? f.ks_statistic),
    drifted: f.drifted === true || f.drifted === 1 || Boolean(f.drift_detected ?? f.drift),
    n_reference: num(f.n_reference ?? f.reference_rows),
    n_current: num(f.n_current ?? f.current_rows),
  }));
}

function toDriftCheck(r: Raw): DriftCheckItem {
  const drifted = Boolean(r.drift_detected ?? r.drifted);
  // 0004_monitoring: status is decided|undecided and drifted 0/1/NULL
  const status = r.status === "undecided" ? "undecided" : drifted ? "drift" : "no_drift";
  return {
    id: Number(r.id),
    model_key: String(r.model_key ?? ""),
    version: str(r.version),
    checked_at: String(r.check_date ?? r.checked_at ?? r.created_at ?? ""),
    drift_detected: drifted,
    status,
    features: toFeatures(json(r.features ?? r.report ?? r.details)),
  };
}

/** Drift checks newest first, optionally of one model. Null when the table is missing. */
export function listDriftChecks(
  sqlite: Database,
  o: { modelKey?: string | undefined; limit: number; offset: number },
): { items: DriftCheckItem[]; total: number } | null {
  if (!hasTable(sqlite, "drift_checks")) return null;
  const where = o.modelKey ? "WHERE model_key = ?" : "";
  const args = o.modelKey ? [o.modelKey] : [];
  const total = (sqlite.query(`SELECT count(*) AS n FROM drift_checks ${where}`).get(...args) as { n: number }).n;
  const rows = sqlite
    .query(`SELECT * FROM drift_checks ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
    .all(...args, o.limit, o.offset);
  return { items: (rows as Raw[]).map(toDriftCheck), total };
}
