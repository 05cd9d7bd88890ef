/** @jsxImportSource hono/jsx */
/**
 * The Alerts page: the alert list for everyone, and for admins the webhooks section below it
 * (its add form re-rendered here with errors, or with the new secret once).
 */

import { emptyForm, type FormState } from "../../../views/components/form";
import { AlertsPage } from "../../../views/pages/monitoring";
import { type WebhookItem, WebhooksSection } from "../../../views/pages/webhooks";
import { hasRole } from "../../auth/identity";
import { urlForLog } from "../../monitoring/webhooks/url";
import { listWebhooks, type WebhookView } from "../../monitoring/webhooks/webhooks";
import { signedIn } from "../middleware/route-access";
import { listAlerts } from "./monitoring";
import { type Ctx, offsetOf, render, type UiDeps } from "./page";

const PAGE = 20;

export const webhookItem = (w: WebhookView): WebhookItem => ({
  id: w.id,
  name: w.name,
  origin: urlForLog(w.url),
  format: w.format,
  source: w.source,
});

export interface WebhookFormResult {
  form?: FormState;
  created?: { name: string; secret: string } | null;
}

export async function renderAlertsPage(
  c: Ctx,
  deps: UiDeps<"now" | "config">,
  result: WebhookFormResult = {},
  status: 200 | 201 | 403 | 404 | 409 | 422 = 200,
) {
  const show = c.req.query("show") === "all" ? "all" : "open";
  const offset = offsetOf(c.req.query("offset"));
  const identity = signedIn(c);
  const page = await listAlerts(deps.db, { open: show === "open", limit: PAGE, offset });
  const webhooks = hasRole(identity.role, "admin") ? (await listWebhooks(deps, identity)).map(webhookItem) : null;
  const body = (
    <>
      <AlertsPage
        alerts={page.items}
        total={page.total}
        offset={offset}
        limit={PAGE}
        show={show}
        csrf={identity.csrfToken}
      />
      {webhooks ? (
        <WebhooksSection
          webhooks={webhooks}
          form={result.form ?? emptyForm({ format: "json" })}
          csrf={identity.csrfToken}
          created={result.created ?? null}
        />
      ) : null}
    </>
  );
  return render(c, deps, "Alerts", body, { status });
}
