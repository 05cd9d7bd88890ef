/**
 * `/alerts/webhooks`: where alerts are sent (admins only). The secret that signs a webhook's
 * deliveries is in the creation answer only. `POST …/{id}/test` sends one test delivery and
 * answers with its log entry; `GET …/{id}/deliveries` is the log (every attempt, newest first).
 */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { listDeliveries } from "../../monitoring/webhooks/deliveries";
import { urlForLog } from "../../monitoring/webhooks/url";
import { createWebhook, deleteWebhook, listWebhooks, WEBHOOK_FORMATS } from "../../monitoring/webhooks/webhooks";
import type { AppDeps, AppEnv } from "../env";
import { noteAudit } from "../middleware/audit";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { strictBody } from "../strict-body";
import { jsonBody, pathParam, queryParams } from "../validate";
import { page as pageOf, Timestamp } from "./shapes";

const CreateWebhookBody = strictBody({
  name: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(100, "at most 100 characters"))),
  url: v.pipe(v.string("a URL"), v.maxLength(2000, "at most 2000 characters")),
  format: v.optional(v.picklist(WEBHOOK_FORMATS, "json or slack")),
});

const WebhookId = v.pipe(v.string(), v.regex(/^\d{1,15}$/, "a webhook id"), v.transform(Number));
// the regex keeps refusing what is not plain digits ("1e3", " 7"); toNumber marks it an integer in /openapi.json
const page = (max: number, fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, "a whole number"), v.toNumber(), v.integer(), v.minValue(0), v.maxValue(max)),
    String(fallback),
  );

/** A webhook as admins read it: never its secret, only whether deliveries are signed (null for env ones). */
const Webhook = v.object({
  id: v.number(),
  name: v.string(),
  url: v.string(),
  format: v.picklist(WEBHOOK_FORMATS),
  source: v.picklist(["api", "env"]),
  signed: v.nullable(v.boolean()),
  created_at: Timestamp,
  deleted_at: v.nullable(Timestamp),
});
const CreatedWebhook = v.object({
  ...Webhook.entries,
  secret: v.pipe(v.string(), v.description("signs every delivery; shown only here")),
  note: v.string(),
});
const Delivery = v.object({
  id: v.number(),
  webhook_id: v.number(),
  alert_id: v.nullable(v.number()),
  event: v.picklist(["alert", "test"]),
  attempt: v.number(),
  outcome: v.picklist(["delivered", "retrying", "failed"]),
  status_code: v.nullable(v.number()),
  error: v.nullable(v.string()),
  duration_ms: v.number(),
  created_at: Timestamp,
});
const Deliveries = v.object({ webhook: Webhook, ...pageOf(Delivery).entries });
const idParam = { params: { id: v.pipe(v.number(), v.integer()) } };
const DeliveriesQuery = v.object({ limit: page(500, 50), offset: page(1e9, 0) });

export function webhooksRoutes(deps: Pick<AppDeps, "db" | "now" | "config" | "runtime">) {
  const id = (c: Context<AppEnv>) => pathParam("id", WebhookId, c.req.param("id"));
  return new Hono<AppEnv>()
    .get(
      "/alerts/webhooks",
      requireRole("admin"),
      responds({ 200: v.object({ items: v.array(Webhook) }) }),
      async (c) => c.json({ items: await listWebhooks(deps, signedIn(c)) }),
    )
    .post(
      "/alerts/webhooks",
      requireRole("admin"),
      jsonBody(CreateWebhookBody),
      responds({ 201: CreatedWebhook }),
      async (c) => {
        const body = c.req.valid("json");
        // a Slack URL's path is its secret: the audit log keeps the origin only
        noteAudit(c, { input: { name: body.name, format: body.format, url: urlForLog(body.url) } });
        const { webhook, secret } = await createWebhook(deps, signedIn(c), body);
        noteAudit(c, { type: "alerts:webhook_created", subject: String(webhook.id) });
        return c.json(
          { ...webhook, secret, note: "store this secret now: it is not shown again; it signs every delivery" },
          201,
        );
      },
    )
    .delete("/alerts/webhooks/:id", requireRole("admin"), responds({ 200: Webhook }, idParam), async (c) => {
      const webhook = await deleteWebhook(deps, signedIn(c), id(c));
      noteAudit(c, { type: "alerts:webhook_deleted", subject: String(webhook.id) });
      return c.json(webhook);
    })
    .post("/alerts/webhooks/:id/test", requireRole("admin"), responds({ 200: Delivery }, idParam), async (c) => {
      const delivery = await deps.runtime.alertDelivery.sendTest(signedIn(c), id(c));
      return c.json(delivery);
    })
    .get(
      "/alerts/webhooks/:id/deliveries",
      requireRole("admin"),
      queryParams(DeliveriesQuery),
      responds({ 200: Deliveries }, idParam),
      async (c) => {
        const q = c.req.valid("query");
        return c.json(
          await listDeliveries(deps, signedIn(c), id(c), { limit: Math.max(q.limit, 1), offset: q.offset }),
        );
      },
    );
}
