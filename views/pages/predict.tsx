/** @jsxImportSource hono/jsx */
/** Predict: pick a model; one row through a form from its feature spec, or many as JSON or CSV; results. */
import { Status } from "../components/chrome";
import { Csrf, Field, FieldMessages, FormError, type FormState, Select, TextArea } from "../components/form";

export interface FeatureInput {
  field: string;
  name: string;
  kind: string;
  categories?: string[];
  hint: string;
}

export function PredictPage(p: {
  csrf: string | null;
  models: string[];
  model: string;
  features: FeatureInput[] | null;
  unavailable: string | null;
  one: FormState;
  many: FormState;
}) {
  return (
    <>
      <h1>Predict</h1>
      <form method="get" action="/ui/predict" class="row">
        <Select
          form={{ values: { model: p.model }, errors: {} }}
          name="model"
          label="Model"
          options={[["", "choose…"], ...p.models.map((m): [string, string] => [m, m])]}
        />
        <button type="submit">Use this model</button>
      </form>
      {p.unavailable ? <p class="notice bad">{p.unavailable}</p> : null}
      {p.features ? (
        <>
          <h2 id="one-h">One row</h2>
          <FormError form={p.one} />
          <form method="post" action="/ui/predict" class="stack" aria-labelledby="one-h" novalidate>
            <Csrf token={p.csrf} />
            <input type="hidden" name="model" value={p.model} />
            <input type="hidden" name="mode" value="one" />
            {p.features.map((f) => {
              const id = `f-${f.field}`;
              const err = p.one.errors[f.field];
              const value = p.one.values[f.field] ?? "";
              const aria = {
                "aria-invalid": err ? "true" : undefined,
                "aria-describedby": `${id}-hint${err ? ` ${id}-err` : ""}`,
              };
              return (
                <div class="field">
                  <label for={id}>{f.name}</label>
                  {f.categories ? (
                    <select id={id} name={f.field} {...aria}>
                      <option value="">(missing)</option>
                      {f.categories.map((cat) => (
                        <option value={cat} selected={cat === value}>
                          {cat}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={id}
                      name={f.field}
                      value={value}
                      inputmode={f.kind === "numeric" ? "decimal" : undefined}
                      {...aria}
                    />
                  )}
                  <FieldMessages name={f.field} hint={f.hint} error={err} />
                </div>
              );
            })}
            <p>
              <button type="submit">Predict</button>
            </p>
          </form>
          <h2 id="many-h">Many rows</h2>
          <FormError form={p.many} />
          <form
            method="post"
            action="/ui/predict"
            enctype="multipart/form-data"
            class="stack"
            aria-labelledby="many-h"
            novalidate
          >
            <Csrf token={p.csrf} />
            <input type="hidden" name="model" value={p.model} />
            <input type="hidden" name="mode" value="many" />
            <TextArea
              form={p.many}
              name="rows_json"
              label="Rows as JSON"
              hint={`An array of objects with the fields ${p.features.map((f) => f.name).join(", ")}`}
            />
            <div class="field">
              <label for="f-csv">Or a file: CSV (any of , ; tab |, or gzip), NDJSON or Parquet</label>
              <input
                id="f-csv"
                name="csv"
                type="file"
                accept=".csv,.tsv,.gz,.ndjson,.jsonl,.parquet,text/csv"
                aria-invalid={p.many.errors.csv ? "true" : undefined}
                aria-describedby={p.many.errors.csv ? "f-csv-err" : undefined}
              />
              <FieldMessages name="csv" error={p.many.errors.csv} />
            </div>
            <Field
              form={p.many}
              name="dataset_id"
              label="Or an uploaded dataset"
              hint="Its id (ds_…, on the Datasets page): every row is scored as a job, in the file's order"
            />
            <p>
              <button type="submit">Predict all</button>
            </p>
          </form>
        </>
      ) : null}
    </>
  );
}

export interface PredictionRow {
  input: Record<string, unknown>;
  prediction: unknown;
  confidence: number | null;
  all_scores: Record<string, number> | null;
}

export function ResultsPage(p: {
  jobId: string;
  status: string;
  error: string | null;
  modelKey: string;
  version: string | null;
  rows: PredictionRow[];
  total: number;
}) {
  const classes = Object.keys(p.rows[0]?.all_scores ?? {});
  const inputs = Object.keys(p.rows[0]?.input ?? {}).slice(0, 6);
  const done = p.status === "completed";
  return (
    <>
      <h1>Predictions of {p.modelKey}</h1>
      <div
        id="results"
        hx-get={`/ui/predict/results/${p.jobId}`}
        hx-trigger={done ? undefined : "load delay:700ms"}
        hx-select="#results"
        hx-swap="outerHTML"
      >
        <p>
          Job <a href={`/ui/jobs/${p.jobId}`}>{p.jobId}</a>: <Status value={p.status} />
          {p.version ? ` with version ${p.version}` : ""}
        </p>
        {p.error ? <p class="notice bad">{p.error}</p> : null}
        {done ? (
          <>
            <p>
              Export:{" "}
              <a href={`/ui/predict/results/${p.jobId}/export/csv`} download hx-boost="false">
                CSV
              </a>{" "}
              ·{" "}
              <a href={`/ui/predict/results/${p.jobId}/export/json`} download hx-boost="false">
                JSON
              </a>{" "}
              ·{" "}
              <a href={`/ui/predict/results/${p.jobId}/export/ndjson`} download hx-boost="false">
                NDJSON
              </a>
            </p>
            <div class="table-wrap" tabindex={0}>
              <table>
                <caption>
                  {p.total} predictions{p.rows.length < p.total ? `, the first ${p.rows.length} shown` : ""}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    {inputs.map((k) => (
                      <th scope="col">{k}</th>
                    ))}
                    <th scope="col">Prediction</th>
                    <th scope="col" class="num">
                      Confidence
                    </th>
                    {classes.map((k) => (
                      <th scope="col" class="num">
                        P({k})
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {p.rows.map((r, i) => (
                    <tr>
                      <th scope="row">{i + 1}</th>
                      {inputs.map((k) => (
                        <td>{r.input[k] == null ? "" : String(r.input[k])}</td>
                      ))}
                      <td>
                        <strong>
                          {typeof r.prediction === "number" ? r.prediction.toPrecision(5) : String(r.prediction)}
                        </strong>
                      </td>
                      <td class="num">{r.confidence == null ? "—" : r.confidence.toFixed(3)}</td>
                      {classes.map((k) => (
                        <td class="num">{(r.all_scores?.[k] ?? 0).toFixed(3)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <p>
            Working… <a href={`/ui/predict/results/${p.jobId}`}>Reload</a>
          </p>
        )}
      </div>
      <p>
        <a href={`/ui/predict?model=${encodeURIComponent(p.modelKey)}`}>Predict again</a>
      </p>
    </>
  );
}
