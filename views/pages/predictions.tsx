/** @jsxImportSource hono/jsx */
/** The prediction log: what each prediction was asked and answered, filtered, paged, exportable. */
import { Pager, Time } from "../components/chrome";
import { Field } from "../components/form";

export interface PredictionLogItem {
  prediction_id: number;
  model_key: string;
  version: string;
  timestamp: string;
  input: Record<string, unknown>;
  prediction: unknown;
  confidence: number | null;
  response_time_ms: number | null;
}

export function PredictionsPage(p: {
  items: PredictionLogItem[];
  total: number;
  offset: number;
  limit: number;
  filter: Record<string, string>;
  error: string | null;
}) {
  const form = { values: p.filter, errors: {} };
  const query = new URLSearchParams(Object.entries(p.filter).filter(([, v]) => v));
  query.set("format", "csv");
  query.set("limit", "1000");
  return (
    <>
      <h1>Prediction log</h1>
      <form method="get" action="/ui/predictions" class="row">
        <Field form={form} name="model_key" label="Model" />
        <Field form={form} name="version" label="Version" />
        <Field form={form} name="from" label="From" placeholder="2026-01-01T00:00" />
        <Field form={form} name="to" label="To" placeholder="empty: now" />
        <button type="submit">Filter</button>
      </form>
      {p.error ? (
        <p class="error" role="alert">
          {p.error}
        </p>
      ) : null}
      <p>
        <a href={`/predictions?${query}`} download="predictions.csv">
          Download as CSV
        </a>{" "}
        (up to 1,000 rows of this filter)
      </p>
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>{p.total} matching predictions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Time</th>
              <th scope="col">Model</th>
              <th scope="col">Input</th>
              <th scope="col">Prediction</th>
              <th scope="col" class="num">
                Confidence
              </th>
              <th scope="col" class="num">
                Response time (ms)
              </th>
            </tr>
          </thead>
          <tbody>
            {p.items.length === 0 ? (
              <tr>
                <td colspan={7}>
                  No predictions yet. <a href="/ui/predict">Make one</a>.
                </td>
              </tr>
            ) : null}
            {p.items.map((r) => (
              <tr>
                <td class="num">{r.prediction_id}</td>
                <td>
                  <Time iso={r.timestamp} />
                </td>
                <td>
                  <a href={`/ui/models/${encodeURIComponent(r.model_key)}`}>{r.model_key}</a> {r.version}
                </td>
                <td>
                  <code>{JSON.stringify(r.input)}</code>
                </td>
                <td>{String(r.prediction)}</td>
                <td class="num">{r.confidence === null ? "—" : r.confidence.toFixed(3)}</td>
                <td class="num">{r.response_time_ms === null ? "—" : r.response_time_ms.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager base="/ui/predictions" query={p.filter} offset={p.offset} limit={p.limit} total={p.total} />
    </>
  );
}
