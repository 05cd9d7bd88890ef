/**
 * The dashboard's window on monitoring: alerts and daily drift checks, read and changed through
 * src/monitoring (the same rules, events and audit as the JSON API), mapped onto the view shapes
 * of views/types.ts.
 */
import type { AlertItem, DriftCheckItem, FeatureDriftItem } from "../../../views/types";
import type { EventBus } from "../../events/bus";
import { type AlertView, dismissAlert as dismiss, listAlerts as list } from "../../monitoring/alerts";
import { type CheckRunView, featureTrend, listCheckRuns } from "../../monitoring/history";
import { listDriftReports } from "../../monitoring/reports";
import { type Actor, canChangeModel, isAdmin } from "../../registry/ownership";
import type { AppDeps } from "../env";

type Db = AppDeps["db"];

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
export async function listAlerts(db: Db, o: { open: boolean; limit: number; offset: number }): Promise<AlertPage> {
  const page = await list(db, { status: o.open ? "open" : "all", limit: o.limit, offset: o.offset });
  return { items: page.items.map(toAlert), total: page.total };
}

/** The banner on every page: how many alerts are open and the newest of them. */
export async function openAlertSummary(db: Db): Promise<{ open: number; latest: AlertItem | null }> {
  const page = await listAlerts(db, { open: true, limit: 1, offset: 0 });
  return { open: page.total, latest: page.items[0] ?? null };
}

/** Dismisses through the monitoring rules (who and when, `alerts:dismissed`); 404/409 as the API. */
export async function dismissAlert(
  deps: { db: Db; bus?: EventBus | undefined; now: () => Date },
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
  db: Db,
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

/** Days of PSI trend the Drift page draws per feature. */
export const TREND_DAYS = 30;

export interface DriftPageExtras {
  /** the newest kept check (of the chosen model, or of any): its histograms are drawn */
  latest: CheckRunView | null;
  /** per feature, PSI of each day's summary over the last TREND_DAYS days (a model chosen) */
  trend: Awaited<ReturnType<typeof featureTrend>> | null;
  /** what the viewer may check now: the chosen model, every model */
  canCheckModel: boolean;
  canCheckAll: boolean;
}

/** The newest check with its histograms, the 30-day trend and the viewer's check-now rights. */
export async function driftPageExtras(db: Db, actor: Actor, model: string | undefined, now: Date) {
  const latest = (await listCheckRuns(db, { modelKey: model, limit: 1, offset: 0 }, true)).items[0] ?? null;
  const from = new Date(now.getTime() - TREND_DAYS * 86_400_000).toISOString().slice(0, 10);
  const extras: DriftPageExtras = {
    latest,
    trend: model ? await featureTrend(db, model, from) : null,
    canCheckModel: model ? await canChangeModel(db, actor, model) : false,
    canCheckAll: isAdmin(actor),
  };
  return extras;
}
