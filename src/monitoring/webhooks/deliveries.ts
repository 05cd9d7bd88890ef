/** The delivery log of a webhook (a deleted one's too): one row per attempt, newest first, for admins. */
import type { Selectable } from "kysely";
import type { AlertWebhookDeliveriesTable } from "../../db/tables/webhooks";
import { ServiceError } from "../../errors";
import { type Actor, isAdmin } from "../../registry/ownership";
import { getWebhook, type WebhookDeps, webhookView } from "./webhooks";

export type DeliveryRow = Selectable<AlertWebhookDeliveriesTable>;

export const deliveryView = (d: DeliveryRow) => ({
  id: d.id,
  webhook_id: d.webhook_id,
  alert_id: d.alert_id,
  event: d.event,
  attempt: d.attempt,
  outcome: d.outcome,
  status_code: d.status_code,
  error: d.error,
  duration_ms: d.duration_ms,
  created_at: d.created_at,
});
export type DeliveryView = ReturnType<typeof deliveryView>;

export async function listDeliveries(
  deps: Pick<WebhookDeps, "db">,
  actor: Actor,
  webhookId: number,
  page: { limit: number; offset: number },
) {
  if (!isAdmin(actor)) {
    throw new ServiceError(403, "forbidden", "only admins may see webhook deliveries", { reason: "insufficient_role" });
  }
  const webhook = await getWebhook(deps, webhookId, { deleted: true });
  const q = deps.db.selectFrom("alert_webhook_deliveries").where("webhook_id", "=", webhookId);
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy("id", "desc").limit(page.limit).offset(page.offset).execute();
  return {
    webhook: webhookView(webhook),
    items: rows.map(deliveryView),
    total: Number(n),
    limit: page.limit,
    offset: page.offset,
  };
}
