/**
 * Alerts: raised by drift checks (drift_detected), retrainings (model_degradation) and failed
 * train/retrain jobs (training_failed); listed open by default; dismissed by a user (who and
 * when recorded); non-critical ones may also be acknowledged (seen, still open) over /ws.
 */
import type { Kysely, Selectable } from "kysely";
import type { DB } from "../db/schema";
import type { AlertSeverity, AlertsTable, AlertType } from "../db/tables/monitoring";
import { conflict, notFound } from "../errors";
import type { EventBus } from "../events/bus";

export type AlertRow = Selectable<AlertsTable>;

/** An alert as clients read it: seed 000 names the id `alert_id` and says whether it can still be dismissed. */
export function alertView(a: AlertRow) {
  return {
    alert_id: a.id,
    id: a.id,
    type: a.type,
    severity: a.severity,
    model_key: a.model_key,
    version: a.version,
    message: a.message,
    details: JSON.parse(a.details) as unknown,
    created_at: a.created_at,
    status: a.dismissed_at ? "dismissed" : a.acknowledged_at ? "acknowledged" : "open",
    acknowledged_by: a.acknowledged_by,
    acknowledged_at: a.acknowledged_at,
    dismissed_by: a.dismissed_by,
    dismissed_at: a.dismissed_at,
    dismissible: a.dismissed_at === null,
  };
}
export type AlertView = ReturnType<typeof alertView>;

declare module "../events/bus" {
  interface BusEvents {
    "alerts:new": AlertView;
    "alerts:acknowledged": { alert_id: number; by: string };
    "alerts:dismissed": { alert_id: number; by: string };
  }
}

export interface AlertDeps {
  db: Kysely<DB>;
  bus?: EventBus | undefined;
  now: () => Date;
}

export interface NewAlert {
  type: AlertType;
  severity: AlertSeverity;
  modelKey: string | null;
  version: string | null;
  message: string;
  details?: unknown;
}

export async function raiseAlert(deps: AlertDeps, a: NewAlert): Promise<AlertView> {
  const row = await deps.db
    .insertInto("alerts")
    .values({
      type: a.type,
      severity: a.severity,
      model_key: a.modelKey,
      version: a.version,
      message: a.message,
      details: JSON.stringify(a.details ?? {}),
      created_at: deps.now().toISOString(),
      acknowledged_by: null,
      acknowledged_at: null,
      dismissed_by: null,
      dismissed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const view = alertView(row);
  deps.bus?.publish("alerts:new", view);
  return view;
}

export interface AlertFilter {
  /** open (default): not dismissed; dismissed; all */
  status?: "open" | "dismissed" | "all" | undefined;
  type?: AlertType | undefined;
  severity?: AlertSeverity | undefined;
  modelKey?: string | undefined;
  limit: number;
  offset: number;
}

/** Newest first. */
export async function listAlerts(db: Kysely<DB>, f: AlertFilter) {
  let q = db.selectFrom("alerts");
  const status = f.status ?? "open";
  if (status === "open") q = q.where("dismissed_at", "is", null);
  if (status === "dismissed") q = q.where("dismissed_at", "is not", null);
  if (f.type) q = q.where("type", "=", f.type);
  if (f.severity) q = q.where("severity", "=", f.severity);
  if (f.modelKey) q = q.where("model_key", "=", f.modelKey);
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy("id", "desc").limit(f.limit).offset(f.offset).execute();
  return { items: rows.map(alertView), total: Number(n), limit: f.limit, offset: f.offset };
}

/** Open (undismissed) alerts per type and severity, for /metrics. */
export async function countOpenAlerts(db: Kysely<DB>) {
  const rows = await db
    .selectFrom("alerts")
    .select(["type", "severity", (eb) => eb.fn.countAll<number>().as("n")])
    .where("dismissed_at", "is", null)
    .groupBy(["type", "severity"])
    .execute();
  return rows.map((r) => ({ type: r.type, severity: r.severity, n: Number(r.n) }));
}

async function getAlert(db: Kysely<DB>, id: number): Promise<AlertRow> {
  const row = await db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound(`alert ${id}`);
  return row;
}

/** Closes an alert for everyone; a second dismissal is a 409 naming who dismissed it. */
export async function dismissAlert(deps: AlertDeps, id: number, username: string): Promise<AlertView> {
  const row = await getAlert(deps.db, id);
  if (row.dismissed_at) throw conflict(`alert ${id} was dismissed by ${row.dismissed_by} at ${row.dismissed_at}`);
  const updated = await deps.db
    .updateTable("alerts")
    .set({ dismissed_by: username, dismissed_at: deps.now().toISOString() })
    .where("id", "=", id)
    .where("dismissed_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!updated) throw conflict(`alert ${id} was dismissed meanwhile`);
  const view = alertView(updated);
  deps.bus?.publish("alerts:dismissed", { alert_id: id, by: username });
  return view;
}

/**
 * Marks a non-critical alert as seen; it stays open. A critical alert cannot be acknowledged
 * away (409): someone has to dismiss it on purpose. Used by the /ws `alerts:acknowledge` message.
 */
export async function acknowledgeAlert(deps: AlertDeps, id: number, username: string): Promise<AlertView> {
  const row = await getAlert(deps.db, id);
  if (row.severity === "critical") {
    throw conflict(`alert ${id} is critical: dismiss it (POST /health/alerts/${id}/dismiss) instead`);
  }
  if (row.dismissed_at) throw conflict(`alert ${id} is already dismissed`);
  if (row.acknowledged_at) return alertView(row);
  const updated = await deps.db
    .updateTable("alerts")
    .set({ acknowledged_by: username, acknowledged_at: deps.now().toISOString() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const view = alertView(updated);
  deps.bus?.publish("alerts:acknowledged", { alert_id: id, by: username });
  return view;
}
