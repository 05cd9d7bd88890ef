/** @jsxImportSource hono/jsx */
/** Training: upload a data file (CSV, NDJSON, Parquet) or pick a dataset, then target, features, task and hyperparameters. */
import { Csrf, Field, FieldMessages, FormError, type FormState, Select } from "../components/form";

export interface DatasetOption {
  id: string;
  label: string;
}

export function UploadForm(p: { form: FormState; csrf: string | null; next: "train" | "datasets" }) {
  const err = p.form.errors.file;
  return (
    <form method="post" action="/ui/datasets" enctype="multipart/form-data" class="stack" hx-boost="false" novalidate>
      <Csrf token={p.csrf} />
      <input type="hidden" name="next" value={p.next} />
      <div class="field">
        <label for="f-file">Data file</label>
        <input
          id="f-file"
          name="file"
          type="file"
          accept=".csv,.tsv,.txt,.gz,.ndjson,.jsonl,.parquet,text/csv"
          aria-invalid={err ? "true" : undefined}
          aria-describedby={err ? "f-file-err" : "f-file-hint"}
        />
        <FieldMessages
          name="file"
          hint="CSV with a header row, NDJSON (one JSON object per line) or Parquet, gzip-compressed or not; at least two data rows"
          error={err}
        />
      </div>
      <Field form={p.form} name="name" label="Dataset name (optional)" hint="Taken from the file name when empty" />
      <p>
        <button type="submit">Upload</button>
      </p>
    </form>
  );
}

export function TrainPage(p: {
  csrf: string | null;
  datasets: DatasetOption[];
  dataset: { id: string; name: string; version: number; columns: string[]; row_count: number } | null;
  upload: FormState;
  form: FormState;
  /** checked feature columns (all but the target by default) */
  features: string[];
  defaults: { max_iter: number; learning_rate_init: number; alpha: number };
  /** [model_type, title] of every model kind, the default first */
  modelTypes: [string, string][];
}) {
  const d = p.dataset;
  return (
    <>
      <h1>Train a model</h1>
      <h2>1. Data</h2>
      <div class="cards">
        <section class="card" aria-labelledby="up-h">
          <h3 id="up-h">Upload data</h3>
          <UploadForm form={p.upload} csrf={p.csrf} next="train" />
        </section>
        <section class="card" aria-labelledby="pick-h">
          <h3 id="pick-h">Or pick a dataset</h3>
          <form method="get" action="/ui/train" class="stack">
            <Select
              form={{ values: { dataset: d?.id ?? "" }, errors: {} }}
              name="dataset"
              label="Dataset"
              options={[["", "choose…"], ...p.datasets.map((x): [string, string] => [x.id, x.label])]}
            />
            <p>
              <button type="submit">Use this dataset</button>
            </p>
          </form>
        </section>
      </div>
      {d ? (
        <>
          <h2>2. Model</h2>
          <p>
            Training on <strong>{d.name}</strong> v{d.version}: {d.row_count} rows, {d.columns.length} columns.
          </p>
          <FormError form={p.form} />
          <form method="post" action="/ui/train" class="stack" novalidate>
            <Csrf token={p.csrf} />
            <input type="hidden" name="dataset_id" value={d.id} />
            <Field form={p.form} name="model_key" label="Model key" hint="1–64 of A-Z a-z 0-9 _ . -" required />
            <Select
              form={p.form}
              name="target_field"
              label="Target column"
              options={d.columns}
              value={d.columns.at(-1)}
            />
            <fieldset aria-describedby={p.form.errors.feature_fields ? "f-feature_fields-err" : undefined}>
              <legend>Feature columns</legend>
              <div class="checks">
                {d.columns.map((col, i) => (
                  <label>
                    <input type="checkbox" name={`f_${i}`} value={col} checked={p.features.includes(col)} /> {col}
                  </label>
                ))}
              </div>
              <FieldMessages name="feature_fields" error={p.form.errors.feature_fields} />
            </fieldset>
            <Select
              form={p.form}
              name="task_type"
              label="Task"
              options={[
                ["auto", "decide from the target"],
                ["classification", "classification"],
                ["regression", "regression"],
              ]}
            />
            <Select form={p.form} name="model_type" label="Model" options={p.modelTypes} />
            <fieldset>
              <legend>Hyperparameters</legend>
              <div class="row">
                <Field
                  form={p.form}
                  name="hidden_layer_sizes"
                  label="Hidden layers"
                  hint="MLP only; e.g. 128,64; empty: by row count"
                />
                <Select
                  form={p.form}
                  name="activation"
                  label="Activation"
                  options={["relu", "tanh", "logistic", "identity"]}
                />
              </div>
              <div class="row">
                <Field
                  form={p.form}
                  name="max_iter"
                  label="Max epochs"
                  type="number"
                  value={String(p.defaults.max_iter)}
                />
                <Field
                  form={p.form}
                  name="learning_rate_init"
                  label="Learning rate"
                  value={String(p.defaults.learning_rate_init)}
                />
                <Field form={p.form} name="alpha" label="L2 penalty (alpha)" value={String(p.defaults.alpha)} />
                <Field form={p.form} name="validation_split" label="Held-out share" value="0.2" hint="0.05 to 0.5" />
              </div>
            </fieldset>
            <label>
              <input
                type="checkbox"
                name="allow_schema_change"
                value="true"
                checked={p.form.values.allow_schema_change === "true"}
              />{" "}
              Allow a new target, task or feature set for an existing model (owner or admin; its clients must follow)
            </label>
            <p>
              <button type="submit">Start training</button>
            </p>
          </form>
        </>
      ) : null}
    </>
  );
}
