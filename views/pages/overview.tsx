/** @jsxImportSource hono/jsx */
/** Overview and About. */
import { ConsentForm, Status, Time } from "../components/chrome";
import { Csrf } from "../components/form";
import type { AlertItem, Chrome, DriftCheckItem } from "../types";
import { type JobItem, JobsTable } from "./jobs";
import { fmtScore, type ModelListItem, scoreName } from "./models";

export function OverviewPage(p: {
  models: ModelListItem[];
  modelCount: number;
  jobs: JobItem[];
  alerts: AlertItem[] | null;
  alertCount: number;
  drift: DriftCheckItem[] | null;
  compute: { backend: string; device: string; reason: string };
  version: string;
  csrf: string | null;
  /** demo mode (ML_DEMO): its models, and whether this user may reset them */
  demo: { models: string[]; canReset: boolean; notice: string | null } | null;
}) {
  return (
    <>
      <h1>Overview</h1>
      {p.demo?.notice ? (
        <p class="notice" role="status">
          {p.demo.notice}
        </p>
      ) : null}
      <div class="cards">
        <section class="card" aria-labelledby="ov-models">
          <h2 id="ov-models">Models</h2>
          <p class="big">{p.modelCount}</p>
          <ul>
            {p.models.map((m) => (
              <li>
                <a href={`/ui/models/${encodeURIComponent(m.model_key)}`}>{m.model_key}</a> {m.active_version ?? ""}{" "}
                <span class="hint">
                  {scoreName(m.task_type)} {fmtScore(m.score)}
                </span>
              </li>
            ))}
          </ul>
          <a href="/ui/models">All models</a>
        </section>
        <section class="card" aria-labelledby="ov-alerts">
          <h2 id="ov-alerts">Open alerts</h2>
          {p.alerts === null ? (
            <p>Alerts are not set up on this service yet.</p>
          ) : (
            <>
              <p class="big">{p.alertCount}</p>
              <ul>
                {p.alerts.slice(0, 5).map((a) => (
                  <li>
                    <Status value={a.severity} /> {a.model_key ?? ""} {a.message}
                  </li>
                ))}
              </ul>
              <a href="/ui/alerts">All alerts</a>
            </>
          )}
        </section>
        <section class="card" aria-labelledby="ov-drift">
          <h2 id="ov-drift">Last drift checks</h2>
          {p.drift === null || p.drift.length === 0 ? (
            <p>No drift checks yet.</p>
          ) : (
            <ul>
              {p.drift.map((d) => (
                <li>
                  {d.model_key}: <Status value={d.drift_detected ? "drift" : d.status} /> <Time iso={d.checked_at} />
                </li>
              ))}
            </ul>
          )}
          <a href="/ui/drift">Drift reports</a>
        </section>
        <section class="card" aria-labelledby="ov-compute">
          <h2 id="ov-compute">Service</h2>
          <p>
            Compute: <strong>{p.compute.backend}</strong> ({p.compute.device})
          </p>
          <p class="hint">{p.compute.reason}</p>
          <p>Version {p.version}</p>
        </section>
        {p.demo ? <DemoCard demo={p.demo} csrf={p.csrf} /> : null}
      </div>
      <h2>Running and queued jobs</h2>
      <div
        id="ov-jobs"
        hx-get="/ui"
        hx-trigger="live-jobs from:body throttle:1s, live-alerts from:body, live-drift from:body"
        hx-select="#ov-jobs"
        hx-swap="outerHTML"
      >
        <JobsTable jobs={p.jobs} csrf={p.csrf} caption="Jobs in progress" />
      </div>
      <p>
        <a href="/ui/jobs">All jobs</a>
      </p>
    </>
  );
}

/** Demo mode's card: the demo models, and for admins the reset form (a plain POST, works without JS). */
function DemoCard(p: { demo: { models: string[]; canReset: boolean }; csrf: string | null }) {
  return (
    <section class="card" aria-labelledby="ov-demo">
      <h2 id="ov-demo">Demo</h2>
      <p>
        Demo mode is on. Feed drifted traffic from a model's page (Generate synthetic traffic), then run a drift check.
      </p>
      <ul>
        {p.demo.models.map((k) => (
          <li>
            <a href={`/ui/models/${encodeURIComponent(k)}`}>{k}</a>
          </li>
        ))}
      </ul>
      {p.demo.canReset ? (
        <form method="post" action="/ui/demo/reset">
          <Csrf token={p.csrf} />
          <button type="submit">Reset the demo</button>
          <p class="hint">Clears the demo models' traffic and alerts and retrains them; other models stay.</p>
        </form>
      ) : null}
    </section>
  );
}

export function AboutPage(p: { version: string; chrome: Chrome }) {
  return (
    <>
      <h1>About ML Service</h1>
      <p>
        Version <strong>{p.version}</strong>. Trains, serves, monitors and retrains small neural networks on tabular
        data.
      </p>
      <ul>
        <li>
          <a href="/docs">API documentation</a> (<a href="/openapi.json">OpenAPI</a>)
        </li>
        <li>
          <a href="/health">Health</a>
        </li>
      </ul>
      <h2 id="cookies">Cookie settings</h2>
      <p>
        Essential cookies keep you signed in and protect forms. Preference cookies keep your theme. Analytics is not
        collected today.
      </p>
      <ConsentForm chrome={p.chrome} heading="page" />
    </>
  );
}
