/** Table types of migrations/0004_monitoring.sql and 0009_drift_history.sql. */
import type { Generated } from "kysely";

export interface DriftChecksTable {
  id: Generated<number>;
  model_key: string;
  check_date: string;
  version: string | null;
  status: "decided" | "undecided";
  drifted: number | null;
  reason: string;
  rows: number;
  share_drifted: Generated<number>;
  window_start: string;
  window_end: string;
  report: string;
  created_at: string;
  /** the drift_check_runs row the day's summary shows (0009) */
  run_id: number | null;
  /** checks run that day (0009) */
  checks: Generated<number>;
}

/** Every drift check, kept (0009). */
export interface DriftCheckRunsTable {
  id: Generated<number>;
  model_key: string;
  version: string | null;
  check_date: string;
  status: "decided" | "undecided";
  drifted: number | null;
  reason: string;
  rows: number;
  share_drifted: Generated<number>;
  window_start: string;
  window_end: string;
  report: string;
  alert_id: number | null;
  retrain_job_id: string | null;
  created_at: string;
}

/** The types migrations/0010 allows (0004 had the first three). */
export const ALERT_TYPES = [
  "drift_detected",
  "model_degradation",
  "training_failed",
  "high_error_rate",
  "queue_backup",
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
export type AlertSeverity = "info" | "warning" | "critical";

export interface AlertsTable {
  id: Generated<number>;
  type: AlertType;
  severity: AlertSeverity;
  model_key: string | null;
  version: string | null;
  message: string;
  details: Generated<string>;
  created_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  dismissed_by: string | null;
  dismissed_at: string | null;
}

export interface RetrainingsTable {
  id: Generated<number>;
  model_key: string;
  source_version: string;
  new_version: string | null;
  job_id: string | null;
  trigger: "drift" | "manual";
  old_metrics: string | null;
  new_metrics: string | null;
  delta: number | null;
  status: "activated" | "rejected" | "failed";
  reason: string;
  details: Generated<string>;
  reverted_at: string | null;
  created_at: string;
}

export interface RollbacksTable {
  id: Generated<number>;
  model_key: string;
  from_version: string | null;
  to_version: string;
  by: string;
  at: string;
}

export interface FeedbackTable {
  id: Generated<number>;
  prediction_id: number | null;
  model_key: string;
  version: string | null;
  input: string | null;
  label: string;
  created_at: string;
  created_by: string | null;
}

/** Rows ingested per model per UTC day (0012, seed 003's GET /stats). */
export interface IngestCountsTable {
  model_key: string;
  /** YYYY-MM-DD, UTC */
  day: string;
  accepted: number;
  labelled: number;
  rejected: number;
  last_arrival_at: string;
}

export interface MonitoringTables {
  ingest_counts: IngestCountsTable;
  drift_checks: DriftChecksTable;
  drift_check_runs: DriftCheckRunsTable;
  alerts: AlertsTable;
  retrainings: RetrainingsTable;
  rollbacks: RollbacksTable;
  feedback: FeedbackTable;
}
