/**
 * Alert webhooks as admins manage them (API and Alerts page share these operations) and as
 * ML_ALERT_WEBHOOK_URLS declares them. A webhook's secret is generated here, returned once by
 * `createWebhook` and never again; deleting keeps the row (marked deleted) so that its delivery
 * log stays readable. Env webhooks are listed with `source: "env"` and changed only through the
 * environment: start-up adds the new ones and retires the ones no longer named.
 */
import { randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { ConfigError } from "../../config";
import type { DB } from "../../db/schema";
import type { AlertWebhooksTable, WebhookFormat } from "../../db/tables/webhooks";
import { conflict, invalid, notFound, ServiceError } from "../../errors";
import { type Actor, isAdmin } from "../../registry/ownership";
import { checkWebhookUrl, type ListenAddress } from "./url";

export type WebhookRow = Selectable<AlertWebhooksTable>;

export interface WebhookDeps {
  db: Kysely<DB>;
  now: () => Date;
  config: { ML_SERVICE_HOST: string; ML_SERVICE_PORT: number };
}

export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ["json", "slack"];

/** A webhook as the API shows it: never its secret, only whether it has one. */
export function webhookView(w: WebhookRow) {
  return {
    id: w.id,
    name: w.name,
    url: w.url,
    format: w.format,
    source: w.source,
    signed: w.source === "api" ? w.secret !== null : null,
    created_at: w.created_at,
    deleted_at: w.deleted_at,
  };
}
export type WebhookView = ReturnType<typeof webhookView>;

const listenAddress = (deps: WebhookDeps): ListenAddress => ({
  host: deps.config.ML_SERVICE_HOST,
  port: deps.config.ML_SERVICE_PORT,
});

function assertAdmin(actor: Actor, action: string): void {
  if (!isAdmin(actor)) {
    throw new ServiceError(403, "forbidden", `only admins may ${action}`, { reason: "insufficient_role" });
  }
}

/** Live webhooks (not deleted), oldest first. */
export async function liveWebhooks(db: Kysely<DB>): Promise<WebhookRow[]> {
  return db.selectFrom("alert_webhooks").selectAll().where("deleted_at", "is", null).orderBy("id").execute();
}

export async function listWebhooks(deps: WebhookDeps, actor: Actor): Promise<WebhookView[]> {
  assertAdmin(actor, "see alert webhooks");
  return (await liveWebhooks(deps.db)).map(webhookView);
}

/** A live webhook (or, with `deleted`, one that was deleted too); 404 for an unknown one. */
export async function getWebhook(
  deps: Pick<WebhookDeps, "db">,
  id: number,
  o: { deleted?: boolean } = {},
): Promise<WebhookRow> {
  let q = deps.db.selectFrom("alert_webhooks").selectAll().where("id", "=", id);
  if (!o.deleted) q = q.where("deleted_at", "is", null);
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(`webhook ${id}`);
  return row;
}

export interface NewWebhook {
  name?: string | undefined;
  url: string;
  format?: string | undefined;
}

const newSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

function checkFormat(format: string | undefined): WebhookFormat {
  const f = format ?? "json";
  if (!(WEBHOOK_FORMATS as readonly string[]).includes(f)) {
    throw invalid(`format: expected json or slack, not ${JSON.stringify(f).slice(0, 40)}`, {
      field: "format",
      reason: "format",
    });
  }
  return f as WebhookFormat;
}

/** 422 for a bad URL or format; the answer holds the secret, shown this once. */
export async function createWebhook(
  deps: WebhookDeps,
  actor: Actor,
  input: NewWebhook,
): Promise<{ webhook: WebhookView; secret: string }> {
  assertAdmin(actor, "add alert webhooks");
  const url = checkWebhookUrl(input.url, listenAddress(deps));
  const format = checkFormat(input.format);
  const secret = newSecret();
  const row = await deps.db
    .insertInto("alert_webhooks")
    .values({
      name: input.name?.trim() || url.host,
      url: url.href,
      format,
      secret,
      source: "api",
      created_by: actor.userId || null,
      created_at: deps.now().toISOString(),
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { webhook: webhookView(row), secret };
}

/** 409 for an env webhook (remove it from ML_ALERT_WEBHOOK_URLS); its log is kept. */
export async function deleteWebhook(deps: WebhookDeps, actor: Actor, id: number): Promise<WebhookView> {
  assertAdmin(actor, "delete alert webhooks");
  const row = await getWebhook(deps, id);
  if (row.source === "env") {
    throw conflict(`webhook ${id} comes from ML_ALERT_WEBHOOK_URLS: remove it there and restart`);
  }
  const updated = await deps.db
    .updateTable("alert_webhooks")
    .set({ deleted_at: deps.now().toISOString() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return webhookView(updated);
}

/** One entry of ML_ALERT_WEBHOOK_URLS: `https://…` (json) or `slack:https://…`. */
export function parseEnvWebhooks(value: string, self: ListenAddress): { url: string; format: WebhookFormat }[] {
  const out: { url: string; format: WebhookFormat }[] = [];
  for (const entry of value.split(",").map((s) => s.trim())) {
    if (!entry) continue;
    const slack = /^slack:/i.test(entry);
    const url = checkWebhookUrl(slack ? entry.slice(6) : entry, self, "ML_ALERT_WEBHOOK_URLS");
    out.push({ url: url.href, format: slack ? "slack" : "json" });
  }
  return out;
}

/**
 * Makes the env webhooks match ML_ALERT_WEBHOOK_URLS: adds new ones, retires those no longer
 * named. A bad entry is a ConfigError naming it: start-up reports it and stops.
 */
export async function syncEnvWebhooks(
  deps: WebhookDeps & { config: { ML_ALERT_WEBHOOK_URLS: string } },
): Promise<WebhookRow[]> {
  let wanted: { url: string; format: WebhookFormat }[];
  try {
    wanted = parseEnvWebhooks(deps.config.ML_ALERT_WEBHOOK_URLS, listenAddress(deps));
  } catch (e) {
    throw e instanceof ServiceError ? new ConfigError(e.message) : e;
  }
  const key = (w: { url: string; format: string }) => `${w.format} ${w.url}`;
  const existing = (await liveWebhooks(deps.db)).filter((w) => w.source === "env");
  const at = deps.now().toISOString();
  const wantedKeys = new Set(wanted.map(key));
  const gone = existing.filter((w) => !wantedKeys.has(key(w))).map((w) => w.id);
  if (gone.length)
    await deps.db.updateTable("alert_webhooks").set({ deleted_at: at }).where("id", "in", gone).execute();
  const have = new Set(existing.map(key));
  for (const w of wanted) {
    if (have.has(key(w))) continue;
    have.add(key(w));
    await deps.db
      .insertInto("alert_webhooks")
      .values({
        name: `${new URL(w.url).host} (ML_ALERT_WEBHOOK_URLS)`,
        url: w.url,
        format: w.format,
        secret: null,
        source: "env",
        created_by: null,
        created_at: at,
        deleted_at: null,
      })
      .execute();
  }
  return (await liveWebhooks(deps.db)).filter((w) => w.source === "env");
}
