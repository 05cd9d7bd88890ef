/** Table types of migrations/0010_alert_webhooks.sql. */
import type { Generated } from "kysely";

export type WebhookFormat = "json" | "slack";

export interface AlertWebhooksTable {
  id: Generated<number>;
  name: string;
  url: string;
  format: WebhookFormat;
  /** the HMAC key; null for env webhooks, which sign with ML_ALERT_WEBHOOK_SECRET */
  secret: string | null;
  source: "api" | "env";
  created_by: number | null;
  created_at: string;
  deleted_at: string | null;
}

export type DeliveryOutcome = "delivered" | "retrying" | "failed";

export interface AlertWebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  alert_id: number | null;
  event: "alert" | "test";
  attempt: number;
  outcome: DeliveryOutcome;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  created_at: string;
}

export interface WebhookTables {
  alert_webhooks: AlertWebhooksTable;
  alert_webhook_deliveries: AlertWebhookDeliveriesTable;
}
