/**
 * The dashboard's window on monitoring: alerts and daily drift checks, read and changed through
 * src/monitoring (the same rules, events and audit as the JSON API), mapped onto the view shapes
 * of views/types.ts.
 */
import type { Kysely } from "kysely";
import type { AlertItem, DriftCheckItem, FeatureDriftItem } from "../../../views/types";
import type { DB } from "../../db/schema";
import type { PreparedQueries } from "../../db/stores";
import type { EventBus } from "../../events/bus";
import {
  type AlertRow,
  type AlertView,
  alertView,
  dismissAlert as dismiss,
  listAlerts as list,
} from "../../monitoring/alerts";
import { listDriftReports } from "../../monitoring/reports";

function toAlert(a: AlertView): AlertItem {
  return {
    id: a.id,
    model_key: a.model_key,
    kind: a.type,
    severity: a.severity,
    message: a.message,
    created_at: a.created_at,
    dismissed_at: a.dismissed_at,
  };
}

export interface AlertPage {
  items: AlertItem[];
  total: number;
}

/** Alerts newest first; `open` keeps the undismissed ones. */
export async function listAlerts(
  db: Kysely<DB>,
  o: { open: boolean; limit: number; offset: number },
): Promise<AlertPage> {
  const page = await list(db, { status: o.open ? "open" : "all", limit: o.limit, offset: o.offset });
  return { items: page.items.map(toAlert), total: page.total };
}

/**
 * The banner on every page. Synchronous (prepared queries) because the layout is built
 * synchronously; the same two columns listAlerts reads.
 */
export function openAlertSummary(queries: PreparedQueries): { open: number; latest: AlertItem | null } {
  const n = queries.first<{ n: number }>("SELECT count(*) AS n FROM alerts WHERE dismissed_at IS NULL", [])?.n ?? 0;
  const row = queries.first<AlertRow>("SELECT * FROM alerts WHERE dismissed_at IS NULL ORDER BY id DESC LIMIT 1", []);
  return { open: n, latest: row ? toAlert(alertView(row)) : null };
}

/** Dismisses through the monitoring rules (who and when, `alerts:dismissed`); 404/409 as the API. */
export async function dismissAlert(
  deps: { db: Kysely<DB>; bus?: EventBus | undefined; now: () => Date },
  id: number,
  by: string,
): Promise<void> {
  await dismiss(deps, id, by);
}

interface ReportFeature {
  feature: string;
  psi: number | null;
  js: number | null;
  ks_stat?: number;
  drifted: boolean | null;
  n_reference: number;
  n_current: number;
}

/** Drift checks newest day first, optionally of one model, with per-feature figures. */
export async function listDriftChecks(
  db: Kysely<DB>,
  o: { modelKey?: string | undefined; limit: number; offset: number },
): Promise<{ items: DriftCheckItem[]; total: number }> {
  const page = await listDriftReports(db, { modelKey: o.modelKey, limit: o.limit, offset: o.offset }, true);
  const items = page.items.map((r): DriftCheckItem => {
    const features = ((r as { features?: unknown }).features ?? []) as ReportFeature[];
    return {
      id: r.check_id,
      model_key: r.model_key,
      version: r.version,
      checked_at: r.check_date,
      drift_detected: r.drifted === true,
      status: r.status === "undecided" ? "undecided" : r.drifted ? "drift" : "no_drift",
      features: features.map(
        (f): FeatureDriftItem => ({
          feature: f.feature,
          psi: f.psi,
          js: f.js,
          ks: f.ks_stat ?? null,
          drifted: f.drifted === true,
          n_reference: f.n_reference,
          n_current: f.n_current,
        }),
      ),
    };
  });
  return { items, total: page.total };
}
