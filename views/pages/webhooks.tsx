/** @jsxImportSource hono/jsx */
/** Alert webhooks on the Alerts page (admins): list, add, send test, delete; and one webhook's delivery log. */
import { Pager, Status, Time } from "../components/chrome";
import { ActionButton, Csrf, Field, FormError, type FormState, Select } from "../components/form";

export interface WebhookItem {
  id: number;
  name: string;
  /** scheme and host only: a Slack URL's path is its secret, and screens are shared */
  origin: string;
  format: string;
  source: "api" | "env";
}

export interface DeliveryItem {
  id: number;
  alert_id: number | null;
  event: string;
  attempt: number;
  outcome: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  created_at: string;
}

export function WebhooksSection(p: {
  webhooks: WebhookItem[];
  form: FormState;
  csrf: string | null;
  /** the secret of a webhook just added: shown here once */
  created: { name: string; secret: string } | null;
}) {
  return (
    <section aria-labelledby="wh-h" id="webhooks">
      <h2 id="wh-h">Webhooks</h2>
      <p class="hint">
        Every new alert is sent to each webhook, signed with its secret (see the README for checking the signature).
        Webhooks from ML_ALERT_WEBHOOK_URLS are changed in the environment.
      </p>
      {p.created ? (
        <div class="notice" role="status">
          <p>
            Webhook <strong>{p.created.name}</strong> added. Copy its signing secret now: it is not shown again.
          </p>
          <p>
            <code class="secret" id="new-webhook-secret">
              {p.created.secret}
            </code>
          </p>
        </div>
      ) : null}
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>{p.webhooks.length} webhooks</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Sends to</th>
              <th scope="col">Format</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {p.webhooks.length === 0 ? (
              <tr>
                <td colspan={4}>No webhooks: alerts stay in the service.</td>
              </tr>
            ) : null}
            {p.webhooks.map((w) => (
              <tr>
                <td>
                  <a href={`/ui/alerts/webhooks/${w.id}`}>{w.name}</a>
                  {w.source === "env" ? <span class="hint"> (environment)</span> : null}
                </td>
                <td>
                  <code>{w.origin}</code>
                </td>
                <td>{w.format}</td>
                <td>
                  <ActionButton
                    action={`/ui/alerts/webhooks/${w.id}/test`}
                    csrf={p.csrf}
                    label={`Send test to ${w.name}`}
                  />
                  {w.source === "api" ? (
                    <ActionButton
                      action={`/ui/alerts/webhooks/${w.id}/delete`}
                      csrf={p.csrf}
                      label={`Delete ${w.name}`}
                      danger
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3 id="wh-add-h">Add a webhook</h3>
      <FormError form={p.form} />
      <form
        method="post"
        action="/ui/alerts/webhooks"
        class="stack"
        aria-labelledby="wh-add-h"
        hx-boost="false"
        novalidate
      >
        <Csrf token={p.csrf} />
        <Field form={p.form} name="name" label="Name" hint="optional; the host by default" />
        <Field form={p.form} name="url" label="URL" type="url" required placeholder="https://ops.example/hooks/ml" />
        <Select
          form={p.form}
          name="format"
          label="Format"
          options={[
            ["json", "JSON (signed)"],
            ["slack", "Slack message"],
          ]}
          value="json"
        />
        <p>
          <button type="submit">Add webhook</button>
        </p>
      </form>
    </section>
  );
}

export function WebhookDeliveriesPage(p: {
  webhook: WebhookItem;
  deliveries: DeliveryItem[];
  total: number;
  offset: number;
  limit: number;
  csrf: string | null;
}) {
  return (
    <>
      <h1>Webhook {p.webhook.name}</h1>
      <p>
        Sends {p.webhook.format} to <code>{p.webhook.origin}</code>.{" "}
        <ActionButton action={`/ui/alerts/webhooks/${p.webhook.id}/test`} csrf={p.csrf} label="Send test" />{" "}
        <a href="/ui/alerts#webhooks">Back to alerts</a>
      </p>
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>Delivery attempts: {p.total}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Attempt</th>
              <th scope="col">Outcome</th>
              <th scope="col">Answer</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {p.deliveries.length === 0 ? (
              <tr>
                <td colspan={6}>Nothing sent yet.</td>
              </tr>
            ) : null}
            {p.deliveries.map((d) => (
              <tr>
                <td>
                  <Time iso={d.created_at} />
                </td>
                <td>{d.event === "test" ? "test" : `alert ${d.alert_id}`}</td>
                <td>{d.attempt}</td>
                <td>
                  <Status value={d.outcome} />
                </td>
                <td>{d.status_code !== null ? `HTTP ${d.status_code}` : (d.error ?? "—")}</td>
                <td>{Math.round(d.duration_ms)} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        base={`/ui/alerts/webhooks/${p.webhook.id}`}
        query={{}}
        offset={p.offset}
        limit={p.limit}
        total={p.total}
      />
    </>
  );
}
