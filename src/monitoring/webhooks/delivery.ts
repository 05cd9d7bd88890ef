/**
 * Sends every new alert (`alerts:new`) to every live webhook, off the path that raised it: the
 * bus handler only starts a promise, so a drift check or a request never waits on a receiver.
 * Each attempt has a timeout (ML_ALERT_WEBHOOK_TIMEOUT_MS) and is logged in
 * alert_webhook_deliveries with its status code or error; a timeout, a refused connection, a
 * 5xx, 408 or 429 is retried after ML_ALERT_WEBHOOK_BACKOFF_MS, doubled each time (an hour at most), up to
 * ML_ALERT_WEBHOOK_MAX_ATTEMPTS; another 4xx or a redirect is final. Pending retries live in
 * memory: a restart drops them (the log says how far each got). Logs name a webhook by id and
 * origin only, since a Slack URL's path is its secret.
 *
 * ```ts
 * const delivery = new AlertDelivery({ db, log, bus, now, config });
 * delivery.start();            // subscribes to alerts:new
 * await delivery.sendTest(3);  // one attempt, awaited: the "send test" action
 * await delivery.stop();       // unsubscribes, cuts backoff waits, waits for attempts in flight
 * ```
 */
import type { Kysely } from "kysely";
import type { Config } from "../../config";
import type { DB } from "../../db/schema";
import { ServiceError } from "../../errors";
import type { EventBus } from "../../events/bus";
import type { Logger } from "../../log";
import { type Actor, isAdmin } from "../../registry/ownership";
import type { AlertView } from "../alerts";
import { type DeliveryView, deliveryView } from "./deliveries";
import { type DeliveryEvent, deliveryHeaders, payloadBody, testAlert } from "./payload";
import { urlForLog } from "./url";
import { getWebhook, liveWebhooks, type WebhookRow } from "./webhooks";

export interface AlertDeliveryDeps {
  db: Kysely<DB>;
  log: Logger;
  bus: EventBus;
  now: () => Date;
  config: Pick<
    Config,
    | "ML_ALERT_WEBHOOK_SECRET"
    | "ML_ALERT_WEBHOOK_TIMEOUT_MS"
    | "ML_ALERT_WEBHOOK_MAX_ATTEMPTS"
    | "ML_ALERT_WEBHOOK_BACKOFF_MS"
  >;
  /** the wait between attempts; tests pass one that records the delay and returns at once */
  sleep?: (ms: number) => Promise<void>;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** The longest wait between two attempts, however many there are. */
export const MAX_WAIT_MS = 3_600_000;

/** Status codes worth another try: the receiver may answer later. */
const retryable = (status: number | null) => status === null || status >= 500 || status === 408 || status === 429;

export class AlertDelivery {
  readonly #deps: AlertDeliveryDeps;
  readonly #pending = new Set<Promise<void>>();
  readonly #wakers = new Set<() => void>();
  #off: (() => void) | null = null;
  #stopped = false;

  constructor(deps: AlertDeliveryDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#stopped = false;
    this.#off ??= this.#deps.bus.subscribe("alerts:new", (alert) => {
      this.#track(this.deliver(alert));
    });
  }

  /** Unsubscribes, abandons backoff waits and waits for the attempts in flight. */
  async stop(): Promise<void> {
    this.#off?.();
    this.#off = null;
    this.#stopped = true;
    for (const wake of this.#wakers) wake();
    await this.idle();
  }

  /** Resolves once no delivery is in flight or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #track(p: Promise<void>): void {
    const tracked = p
      .catch((e) => this.#deps.log.error("alert delivery failed", { error: (e as Error).message }))
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /** Sends one alert to every live webhook, each with its own retries. */
  async deliver(alert: AlertView): Promise<void> {
    const hooks = await liveWebhooks(this.#deps.db);
    await Promise.all(hooks.map((w) => this.#deliverTo(w, alert, "alert")));
  }

  /** The "send test" action: one attempt to one webhook, awaited, its log row returned. */
  async sendTest(actor: Actor, webhookId: number): Promise<DeliveryView> {
    if (!isAdmin(actor)) {
      throw new ServiceError(403, "forbidden", "only admins may test webhooks", { reason: "insufficient_role" });
    }
    const webhook = await getWebhook(this.#deps, webhookId);
    const body = payloadBody(webhook.format, testAlert(this.#deps.now()), "test", this.#deps.now());
    const { row } = await this.#attempt(webhook, body, "test", null, 1, 1, crypto.randomUUID());
    return deliveryView(row);
  }

  async #deliverTo(webhook: WebhookRow, alert: AlertView, event: DeliveryEvent): Promise<void> {
    const max = this.#deps.config.ML_ALERT_WEBHOOK_MAX_ATTEMPTS;
    const body = payloadBody(webhook.format, alert, event, this.#deps.now());
    const deliveryId = crypto.randomUUID();
    for (let attempt = 1; attempt <= max; attempt++) {
      const { row, again } = await this.#attempt(webhook, body, event, alert.id, attempt, max, deliveryId);
      if (!again) {
        if (row.outcome === "failed") {
          this.#deps.log.warn("alert webhook failed", {
            webhook_id: webhook.id,
            webhook: urlForLog(webhook.url),
            alert_id: alert.id,
            attempts: attempt,
            error: row.error,
          });
        }
        return;
      }
      await this.#wait(Math.min(this.#deps.config.ML_ALERT_WEBHOOK_BACKOFF_MS * 2 ** (attempt - 1), MAX_WAIT_MS));
      if (this.#stopped) return;
    }
  }

  #wait(ms: number): Promise<void> {
    if (this.#deps.sleep) return this.#deps.sleep(ms);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  async #attempt(
    webhook: WebhookRow,
    body: string,
    event: DeliveryEvent,
    alertId: number | null,
    attempt: number,
    max: number,
    deliveryId: string,
  ) {
    const { config, now } = this.#deps;
    const secret = webhook.source === "env" ? config.ML_ALERT_WEBHOOK_SECRET || null : webhook.secret;
    const headers = deliveryHeaders({ body, secret, now: now(), event, deliveryId });
    const timeoutMs = config.ML_ALERT_WEBHOOK_TIMEOUT_MS;
    const send = this.#deps.fetch ?? fetch;
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await send(webhook.url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      await res.body?.cancel();
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (e) {
      const err = e as Error;
      error = err.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : err.message.slice(0, 300);
    }
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const again = error !== null && retryable(status) && attempt < max;
    const outcome = error === null ? "delivered" : again ? "retrying" : "failed";
    const row = await this.#deps.db
      .insertInto("alert_webhook_deliveries")
      .values({
        webhook_id: webhook.id,
        alert_id: alertId,
        event,
        attempt,
        outcome,
        status_code: status,
        error,
        duration_ms: durationMs,
        created_at: now().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, again };
  }
}
