/**
 * What a webhook receives. Two formats:
 * - `json`: `{"event": "alert.raised" | "webhook.test", "alert": {...}, "service": {...}, "sent_at"}`,
 *   signed (see `signatureHeaders`);
 * - `slack`: a Slack incoming-webhook message, `{"text", "blocks"}` (also signed when a secret exists).
 *
 * Signature: `X-MLService-Signature: sha256=<hex>` where hex is HMAC-SHA256 with the webhook's
 * secret over `<X-MLService-Timestamp>.<raw body>`; the timestamp (Unix seconds) is signed too,
 * so a receiver that rejects old timestamps is safe from replays.
 */
import { createHmac } from "node:crypto";
import type { WebhookFormat } from "../../db/tables/webhooks";
import { VERSION } from "../../version";
import type { AlertView } from "../alerts";

export type DeliveryEvent = "alert" | "test";

const SEVERITY_ICON: Record<string, string> = {
  info: ":information_source:",
  warning: ":warning:",
  critical: ":rotating_light:",
};

/** A made-up alert for "send test": recognisable, and never confused with a real one (id 0). */
export function testAlert(now: Date): AlertView {
  return {
    alert_id: 0,
    id: 0,
    type: "drift_detected",
    severity: "info",
    model_key: null,
    version: null,
    message: "Test delivery from ML Service: this webhook works.",
    details: { test: true },
    created_at: now.toISOString(),
    status: "open",
    acknowledged_by: null,
    acknowledged_at: null,
    dismissed_by: null,
    dismissed_at: null,
    dismissible: false,
  };
}

function slackText(alert: AlertView, event: DeliveryEvent): string {
  const icon = SEVERITY_ICON[alert.severity] ?? "";
  const where = alert.model_key ? ` · ${alert.model_key}${alert.version ? ` ${alert.version}` : ""}` : "";
  const what = event === "test" ? "test" : alert.type;
  return `${icon} [${alert.severity}] ${what}${where}: ${alert.message}`;
}

/** The body as sent, byte for byte (the signature covers exactly this text). */
export function payloadBody(format: WebhookFormat, alert: AlertView, event: DeliveryEvent, now: Date): string {
  if (format === "slack") {
    const text = slackText(alert, event);
    const context = event === "test" ? "ML Service test delivery" : `alert #${alert.id} · raised ${alert.created_at}`;
    return JSON.stringify({
      text,
      blocks: [
        { type: "section", text: { type: "mrkdwn", text } },
        { type: "context", elements: [{ type: "mrkdwn", text: context }] },
      ],
    });
  }
  return JSON.stringify({
    event: event === "test" ? "webhook.test" : "alert.raised",
    alert,
    service: { name: "mlservice", version: VERSION },
    sent_at: now.toISOString(),
  });
}

/** HMAC-SHA256 hex of `timestamp.body`. */
export const signature = (secret: string, timestamp: number, body: string) =>
  createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");

/** The headers of one delivery; the signature only when there is a secret. */
export function deliveryHeaders(o: {
  body: string;
  secret: string | null;
  now: Date;
  event: DeliveryEvent;
  deliveryId: string;
}): Record<string, string> {
  const timestamp = Math.floor(o.now.getTime() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": `mlservice/${VERSION}`,
    "x-mlservice-event": o.event === "test" ? "webhook.test" : "alert.raised",
    "x-mlservice-delivery": o.deliveryId,
    "x-mlservice-timestamp": String(timestamp),
  };
  if (o.secret) headers["x-mlservice-signature"] = `sha256=${signature(o.secret, timestamp, o.body)}`;
  return headers;
}
