/** @jsxImportSource hono/jsx */
/**
 * The webhook forms of the Alerts page (admins; plain POSTs that work without JavaScript) and a
 * webhook's delivery log page, through the same operations as /alerts/webhooks.
 */
import { Hono } from "hono";
import { WebhookDeliveriesPage } from "../../../views/pages/webhooks";
import { ServiceError } from "../../errors";
import { listDeliveries } from "../../monitoring/webhooks/deliveries";
import { urlForLog } from "../../monitoring/webhooks/url";
import { createWebhook, deleteWebhook } from "../../monitoring/webhooks/webhooks";
import type { AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { renderAlertsPage, webhookItem } from "./alerts-page";
import { type Ctx, formError, formFields, offsetOf, render, seeOther, statusOf, type UiDeps } from "./page";

const PAGE = 50;

const idOf = (c: Ctx) => {
  const id = Number(c.req.param("id"));
  if (!Number.isSafeInteger(id) || id < 1) throw new ServiceError(404, "not_found", `no webhook ${c.req.param("id")}`);
  return id;
};

export function webhookPages(deps: UiDeps<"now" | "config" | "runtime">) {
  return new Hono<AppEnv>()
    .post("/ui/alerts/webhooks", requireRole("admin"), async (c) => {
      const f = await formFields(c);
      const values = { name: f.name ?? "", url: f.url ?? "", format: f.format ?? "json" };
      noteAudit(c, { input: { name: values.name, format: values.format, url: urlForLog(values.url) } });
      try {
        const { webhook, secret } = await createWebhook(deps, signedIn(c), values);
        noteAudit(c, { type: "alerts:webhook_created", subject: String(webhook.id) });
        // the secret is in this response only; a redirect would have to store it somewhere
        return renderAlertsPage(c, deps, { created: { name: webhook.name, secret } }, 201);
      } catch (e) {
        return renderAlertsPage(c, deps, { form: formError(e, values) }, statusOf(e));
      }
    })
    .post("/ui/alerts/webhooks/:id/delete", requireRole("admin"), async (c) => {
      const webhook = await deleteWebhook(deps, signedIn(c), idOf(c));
      noteAudit(c, { type: "alerts:webhook_deleted", subject: String(webhook.id) });
      return seeOther(c, "/ui/alerts#webhooks");
    })
    .post("/ui/alerts/webhooks/:id/test", requireRole("admin"), async (c) => {
      const id = idOf(c);
      await deps.runtime.alertDelivery.sendTest(signedIn(c), id);
      return seeOther(c, `/ui/alerts/webhooks/${id}`);
    })
    .get("/ui/alerts/webhooks/:id", requireRole("admin"), async (c) => {
      const offset = offsetOf(c.req.query("offset"));
      const log = await listDeliveries(deps, signedIn(c), idOf(c), { limit: PAGE, offset });
      const body = (
        <WebhookDeliveriesPage
          webhook={webhookItem(log.webhook)}
          deliveries={log.items}
          total={log.total}
          offset={offset}
          limit={PAGE}
          csrf={signedIn(c).csrfToken}
        />
      );
      return render(c, deps, `Webhook ${log.webhook.name}`, body);
    });
}
