/** @jsxImportSource hono/jsx */
/**
 * Runs side by side: the comparison of two or more versions (parameters, metrics, the training
 * loss and validation score of every epoch on one chart each) and one version's page with its
 * curves and a plain form for its notes and tags (works without JavaScript).
 */
import { LineChart, type Series } from "../components/chart";
import { Status, Time } from "../components/chrome";
import { Csrf } from "../components/form";
import { fmtScore, scoreName } from "./models";

export interface RunView {
  version: string;
  status: string;
  active: boolean;
  model_type: string;
  metrics: Record<string, unknown> | null;
  hyperparameters: Record<string, unknown> | null;
  backend: string | null;
  train_rows: number | null;
  training_time_s: number | null;
  created_at: string;
  notes: string;
  tags: string[];
  aliases: string[];
  curves: { loss: number[]; validation_score: number[]; validation_metric: string; source: string };
}

const cell = (v: unknown) =>
  v === undefined || v === null
    ? "—"
    : typeof v === "number" && !Number.isInteger(v)
      ? v.toFixed(4)
      : JSON.stringify(v);

/** One series per run, padded with gaps to the longest run's epochs. */
function epochSeries(runs: RunView[], pick: (r: RunView) => number[]) {
  const epochs = Math.max(0, ...runs.map((r) => pick(r).length));
  const labels = Array.from({ length: epochs }, (_, i) => String(i + 1));
  const series: Series[] = runs.map((r) => ({
    name: r.version,
    values: labels.map((_, i) => pick(r)[i] ?? null),
  }));
  return { labels, series };
}

function CurveCharts(p: { id: string; runs: RunView[]; task: string }) {
  const loss = epochSeries(p.runs, (r) => r.curves.loss);
  const val = epochSeries(p.runs, (r) => r.curves.validation_score);
  const who = p.runs.map((r) => r.version).join(", ");
  return (
    <>
      <LineChart
        id={`${p.id}-loss`}
        title={`Training loss per epoch (${who})`}
        description={`Training loss of each version per epoch; ${p.runs.map((r) => `${r.version}: ${r.curves.loss.length} epochs, last ${r.curves.loss.at(-1)?.toFixed(4) ?? "—"}`).join("; ")}.`}
        labels={loss.labels}
        series={loss.series}
        xName="epoch"
      />
      <LineChart
        id={`${p.id}-val`}
        title={`Validation ${scoreName(p.task)} per epoch (${who})`}
        description={`Validation ${scoreName(p.task)} of each version per epoch (none without early stopping).`}
        labels={val.labels}
        series={val.series}
        xName="epoch"
      />
    </>
  );
}

export function ComparePage(p: { modelKey: string; task: string; runs: RunView[] }) {
  const key = encodeURIComponent(p.modelKey);
  const metricNames = [
    ...new Set(
      p.runs.flatMap((r) =>
        Object.entries(r.metrics ?? {})
          .filter(([, v]) => typeof v === "number")
          .map(([k]) => k),
      ),
    ),
  ];
  const paramNames = [...new Set(p.runs.flatMap((r) => Object.keys(r.hyperparameters ?? {})))].sort();
  const Header = () => (
    <thead>
      <tr>
        <td />
        {p.runs.map((r) => (
          <th scope="col">
            <a href={`/ui/models/${key}/versions/${encodeURIComponent(r.version)}`}>{r.version}</a>
            {r.active ? " (serving)" : ""}
          </th>
        ))}
      </tr>
    </thead>
  );
  const Row = (q: { name: string; values: unknown[] }) => (
    <tr>
      <th scope="row">{q.name}</th>
      {q.values.map((v) => (
        <td class="num">{cell(v)}</td>
      ))}
    </tr>
  );
  return (
    <>
      <h1>
        Compare versions of <a href={`/ui/models/${key}`}>{p.modelKey}</a>
      </h1>
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>Versions side by side</caption>
          <Header />
          <tbody>
            <Row name="kind" values={p.runs.map((r) => r.model_type)} />
            <Row name="status" values={p.runs.map((r) => r.status)} />
            <Row name="aliases" values={p.runs.map((r) => r.aliases.join(", ") || null)} />
            <Row name="tags" values={p.runs.map((r) => r.tags.join(", ") || null)} />
            <Row name="training rows" values={p.runs.map((r) => r.train_rows)} />
            <Row name="training time (s)" values={p.runs.map((r) => r.training_time_s)} />
            <Row name="backend" values={p.runs.map((r) => r.backend)} />
          </tbody>
        </table>
      </div>
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>Parameters</caption>
          <Header />
          <tbody>
            {paramNames.map((n) => (
              <Row name={n} values={p.runs.map((r) => r.hyperparameters?.[n])} />
            ))}
          </tbody>
        </table>
      </div>
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>Held-out metrics</caption>
          <Header />
          <tbody>
            {metricNames.map((n) => (
              <Row name={n} values={p.runs.map((r) => r.metrics?.[n])} />
            ))}
          </tbody>
        </table>
      </div>
      <CurveCharts id="cmp" runs={p.runs} task={p.task} />
      <h2>Notes</h2>
      <dl>{p.runs.map((r) => [<dt>{r.version}</dt>, <dd>{r.notes || "—"}</dd>])}</dl>
    </>
  );
}

export function VersionPage(p: {
  modelKey: string;
  task: string;
  run: RunView;
  canChange: boolean;
  csrf: string | null;
}) {
  const key = encodeURIComponent(p.modelKey);
  const r = p.run;
  const action = `/ui/models/${key}/versions/${encodeURIComponent(r.version)}/notes`;
  const score = r.metrics?.[p.task === "classification" ? "accuracy" : "r2"] as number | undefined;
  return (
    <>
      <h1>
        <a href={`/ui/models/${key}`}>{p.modelKey}</a> version {r.version}
      </h1>
      <p>
        <Status value={r.active ? "active" : r.status} /> {r.model_type}, {scoreName(p.task)} {fmtScore(score)}, trained{" "}
        <Time iso={r.created_at} />
        {r.aliases.length ? `; aliases: ${r.aliases.join(", ")}` : ""}
        {r.tags.length ? `; tags: ${r.tags.join(", ")}` : ""}.
      </p>
      {r.notes ? <p class="notes">{r.notes}</p> : null}
      {r.curves.source === "none" ? <p>No training curves are kept for this version.</p> : null}
      <CurveCharts id="run" runs={[r]} task={p.task} />
      {p.canChange ? (
        <form method="post" action={action}>
          <Csrf token={p.csrf} />
          <div class="field">
            <label for="f-notes">Notes</label>
            <textarea id="f-notes" name="notes" rows={4} maxlength={10000}>
              {r.notes}
            </textarea>
          </div>
          <div class="field">
            <label for="f-tags">Tags</label>
            <input id="f-tags" name="tags" value={r.tags.join(", ")} aria-describedby="f-tags-hint" />
            <span class="hint" id="f-tags-hint">
              separated by commas; letters, digits, '_', '.', '-'
            </span>
          </div>
          <button type="submit">Save notes and tags</button>
        </form>
      ) : null}
    </>
  );
}
