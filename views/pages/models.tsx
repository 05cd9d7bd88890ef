/** @jsxImportSource hono/jsx */
/** Models: the list, one model's detail (versions, metrics, features, confusion matrix, charts), rollback confirmation. */
import type { Child } from "hono/jsx";
import { LineChart } from "../components/chart";
import { Pager, Status, Time } from "../components/chrome";
import { ActionButton, Csrf } from "../components/form";
import { ModelDownloads } from "../components/model-downloads";

export interface ModelListItem {
  model_key: string;
  task_type: string;
  target_field: string;
  active_version: string | null;
  score: number | null;
  updated_at: string;
}

/** A confusion-matrix cell's shade: its share of the true class's row in six steps (`cm-0` none … `cm-5`). */
export function shadeOf(n: number, row: number[]): string {
  const total = row.reduce((s, x) => s + x, 0);
  return `cm-${total > 0 ? Math.ceil((n / total) * 5) : 0}`;
}

export const scoreName = (task: string) => (task === "classification" ? "accuracy" : "R²");
export const fmtScore = (s: number | null | undefined) => (typeof s === "number" ? s.toFixed(3) : "—");

export function ModelsPage(p: { items: ModelListItem[]; total: number; offset: number; limit: number }) {
  return (
    <>
      <h1>Models</h1>
      <p>
        <a href="/ui/train">Train a new model</a>
      </p>
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>{p.total} models</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Task</th>
              <th scope="col">Target</th>
              <th scope="col">Active version</th>
              <th scope="col" class="num">
                Score
              </th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {p.items.length === 0 ? (
              <tr>
                <td colspan={6}>
                  No models yet. <a href="/ui/train">Train one</a>.
                </td>
              </tr>
            ) : null}
            {p.items.map((m) => (
              <tr>
                <th scope="row">
                  <a href={`/ui/models/${encodeURIComponent(m.model_key)}`}>{m.model_key}</a>
                </th>
                <td>{m.task_type}</td>
                <td>{m.target_field}</td>
                <td>{m.active_version ?? <Status value="no_ready_version" />}</td>
                <td class="num">
                  {fmtScore(m.score)} <span class="sr-only">{scoreName(m.task_type)}</span>
                </td>
                <td>
                  <Time iso={m.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager base="/ui/models" offset={p.offset} limit={p.limit} total={p.total} />
    </>
  );
}

export interface VersionItem {
  version: string;
  status: string;
  active: boolean;
  /** the kind of model (mlp, linear) */
  model_type: string;
  metrics: Record<string, unknown> | null;
  backend: string | null;
  train_rows: number | null;
  training_time_s: number | null;
  created_at: string;
  error: string | null;
  tags?: string[];
}

export interface FeatureItem {
  name: string;
  kind: string;
  detail: string;
}

export interface ModelPeopleView {
  owner: string | null;
  maintainers: { username: string; added_by: string | null; added_at: string }[];
}

export function ModelDetailPage(p: {
  model: { model_key: string; task_type: string; target_field: string; active_version: string | null };
  versions: VersionItem[];
  features: FeatureItem[] | null;
  lossCurve: number[] | null;
  /** what the serving version is (ModelKind.describe), when it is loaded */
  servingModel: { summary: string; parameters: number } | null;
  people: ModelPeopleView;
  /** the viewer may train, retrain and roll back (owner, maintainer, admin) */
  canChange: boolean;
  /** the viewer may name maintainers (owner, admin) */
  canManage: boolean;
  csrf: string | null;
  /** the aliases and shadow section, shown below the versions */
  aliases?: Child;
}) {
  const m = p.model;
  const key = encodeURIComponent(m.model_key);
  const active = p.versions.find((v) => v.active);
  const metrics = active?.metrics ?? null;
  const cm = metrics?.confusion_matrix as { labels: unknown[]; matrix: number[][] } | undefined;
  const metricKey = m.task_type === "classification" ? "accuracy" : "r2";
  const scored = [...p.versions].reverse().filter((v) => v.metrics);
  return (
    <>
      <h1>Model {m.model_key}</h1>
      <p>
        {m.task_type} of <strong>{m.target_field}</strong>; serving version{" "}
        <strong>{m.active_version ?? "none"}</strong>
        {p.servingModel
          ? ` (${p.servingModel.summary}, ${p.servingModel.parameters.toLocaleString("en")} parameters)`
          : ""}
        . <a href={`/ui/predict?model=${key}`}>Predict with it</a> · <a href={`/ui/drift?model=${key}`}>Drift</a>
      </p>
      {p.canChange && m.active_version ? (
        <ActionButton
          action={`/ui/models/${key}/retrain`}
          csrf={p.csrf}
          label="Retrain now (original data, feedback and confident predictions)"
        />
      ) : null}
      {p.canChange && m.active_version ? (
        <details>
          <summary>Generate synthetic traffic</summary>
          <form method="post" action={`/ui/models/${key}/generate`} class="row">
            <Csrf token={p.csrf} />
            <label>
              Rows <input name="rows" type="number" min="1" max="10000" value="500" />
            </label>
            <label>
              Shift (training stds) <input name="shift" type="number" step="any" value="0" />
            </label>
            <label>
              Scale <input name="scale" type="number" step="any" min="0" value="1" />
            </label>
            <label>
              New category share <input name="new_category" type="number" step="any" min="0" max="1" value="0" />
            </label>
            <label>
              <input name="labels" type="checkbox" /> Labelled
            </label>
            <button type="submit">Generate</button>
          </form>
        </details>
      ) : null}
      <h2>Metrics of the serving version</h2>
      {metrics ? (
        <table class="narrow">
          <caption>Held-out metrics of version {active?.version}</caption>
          <tbody>
            {Object.entries(metrics)
              .filter(([, v]) => typeof v === "number")
              .map(([k, v]) => (
                <tr>
                  <th scope="row">{k}</th>
                  <td class="num">{Number.isInteger(v) ? String(v) : (v as number).toFixed(4)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : (
        <p>No ready version yet.</p>
      )}
      {cm ? (
        <div class="table-wrap" tabindex={0}>
          <table class="narrow">
            <caption>Confusion matrix (rows: true class, columns: predicted)</caption>
            <thead>
              <tr>
                <td />
                {cm.labels.map((l) => (
                  <th scope="col">{String(l)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {cm.matrix.map((row, i) => (
                <tr>
                  <th scope="row">{String(cm.labels[i])}</th>
                  {row.map((n) => (
                    <td class={`num ${shadeOf(n, row)}`}>{n}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {p.lossCurve && p.lossCurve.length > 1 ? (
        <LineChart
          id="loss"
          title={`Training loss per epoch, version ${active?.version}`}
          description={`Loss fell from ${p.lossCurve[0]?.toFixed(4)} to ${p.lossCurve.at(-1)?.toFixed(4)} over ${p.lossCurve.length} epochs.`}
          labels={p.lossCurve.map((_, i) => String(i + 1))}
          series={[{ name: "loss", values: p.lossCurve }]}
          xName="epoch"
        />
      ) : null}
      {scored.length > 1 ? (
        <LineChart
          id="trend"
          title={`${scoreName(m.task_type)} per version`}
          description={`Held-out ${scoreName(m.task_type)} of ${scored.length} versions, oldest first.`}
          labels={scored.map((v) => v.version)}
          series={[
            { name: scoreName(m.task_type), values: scored.map((v) => (v.metrics?.[metricKey] as number) ?? null) },
          ]}
          xName="version"
        />
      ) : null}
      <h2>Versions</h2>
      <form method="get" action={`/ui/models/${key}/compare`}>
        <div class="table-wrap" tabindex={0}>
          <table>
            <caption>Versions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">
                  {scoreName(m.task_type)}
                </th>
                <th scope="col">Backend</th>
                <th scope="col" class="num">
                  Rows
                </th>
                <th scope="col">Created</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {p.versions.map((v) => (
                <tr>
                  <td>
                    <input type="checkbox" name="v" value={v.version} aria-label={`compare ${v.version}`} />
                  </td>
                  <th scope="row">
                    <a href={`/ui/models/${key}/versions/${encodeURIComponent(v.version)}`}>{v.version}</a>
                    {v.tags?.length ? <span class="hint"> {v.tags.join(", ")}</span> : null}
                  </th>
                  <td>
                    <Status value={v.active ? "active" : v.status} />
                    {v.error ? <span class="hint"> {v.error}</span> : null}
                  </td>
                  <td>{v.model_type}</td>
                  <td class="num">{fmtScore(v.metrics?.[metricKey] as number | undefined)}</td>
                  <td>{v.backend ?? "—"}</td>
                  <td class="num">{v.train_rows ?? "—"}</td>
                  <td>
                    <Time iso={v.created_at} />
                  </td>
                  <td>
                    {p.canChange && v.status === "ready" && !v.active ? (
                      <a href={`/ui/models/${key}/rollback/${encodeURIComponent(v.version)}`}>
                        Roll back to {v.version}
                      </a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {p.versions.length > 1 ? <button type="submit">Compare the checked versions</button> : null}
      </form>
      {p.aliases ?? null}
      <ModelDownloads modelKey={m.model_key} versions={p.versions} />
      <People modelKey={m.model_key} people={p.people} canManage={p.canManage} csrf={p.csrf} />
      <h2>Features</h2>
      {p.features ? (
        <table>
          <caption>Input features of the serving version</caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">Kind</th>
              <th scope="col">Encoding</th>
            </tr>
          </thead>
          <tbody>
            {p.features.map((f) => (
              <tr>
                <th scope="row">{f.name}</th>
                <td>{f.kind}</td>
                <td>{f.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>Features are shown once a version is ready.</p>
      )}
    </>
  );
}

/** Who owns and maintains the model; for its owner and admins, plain forms to change that. */
function People(p: { modelKey: string; people: ModelPeopleView; canManage: boolean; csrf: string | null }) {
  const base = `/ui/models/${encodeURIComponent(p.modelKey)}/maintainers`;
  return (
    <>
      <h2>Owner and maintainers</h2>
      <p>
        Owner: <strong>{p.people.owner ?? "the system"}</strong>. The owner, the maintainers and admins may train new
        versions, retrain and roll back; the owner and admins name the maintainers and change the schema.
      </p>
      {p.people.maintainers.length === 0 ? (
        <p>No maintainers.</p>
      ) : (
        <ul>
          {p.people.maintainers.map((m) => (
            <li>
              {m.username}
              {p.canManage ? (
                <form method="post" action={`${base}/${encodeURIComponent(m.username)}/remove`} class="inline">
                  <Csrf token={p.csrf} />
                  <button type="submit" class="danger">
                    Remove {m.username}
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {p.canManage ? (
        <form method="post" action={base} class="row">
          <Csrf token={p.csrf} />
          <label>
            Username <input name="username" required autocomplete="off" />
          </label>
          <button type="submit">Add maintainer</button>
        </form>
      ) : null}
    </>
  );
}

export function RollbackConfirmPage(p: { csrf: string | null; modelKey: string; from: string | null; to: string }) {
  const key = encodeURIComponent(p.modelKey);
  return (
    <>
      <h1>Roll back {p.modelKey}?</h1>
      <p>
        Version <strong>{p.to}</strong> will serve every prediction of {p.modelKey} instead of{" "}
        <strong>{p.from ?? "none"}</strong>. You can switch back the same way.
      </p>
      <form method="post" action={`/ui/models/${key}/rollback/${encodeURIComponent(p.to)}`} class="row">
        <Csrf token={p.csrf} />
        <button type="submit" class="danger">
          Roll back to {p.to}
        </button>
        <a href={`/ui/models/${key}`}>Cancel</a>
      </form>
    </>
  );
}
