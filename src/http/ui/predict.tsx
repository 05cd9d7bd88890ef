/** @jsxImportSource hono/jsx */
/**
 * `/ui/predict`: rows from a form generated from the model's feature spec, pasted JSON or a
 * CSV file → checked against the spec here (errors beside their fields) → a `predict` job
 * (the queue keeps the result, so the result page is a plain GET and exports read it back).
 */
import { Hono } from "hono";
import { emptyForm, type FormState } from "../../../views/components/form";
import { type FeatureInput, PredictPage, ResultsPage } from "../../../views/pages/predict";
import { chunksOfBytes, readTable, tableRows } from "../../datasets/reader";
import { readOptions } from "../../datasets/store";
import { ServiceError } from "../../errors";
import { startBatchScoring } from "../../jobs/batch-scoring";
import { type PredictionResult, predictionJob, predictionsCsv } from "../../jobs/predict-results";
import { enqueue, getJob } from "../../jobs/queue";
import { encodeRows, FeatureError, type Row } from "../../ml/features";
import { modelKeys } from "../../registry/queries";
import type { LoadedVersion } from "../../registry/serving";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { type Ctx, render, seeOther, type UiDeps } from "./page";

const SHOWN = 500;
const WAIT_MS = 3000;

function featureInputs(loaded: LoadedVersion): FeatureInput[] {
  return loaded.artifact.spec.features.map((f, i) => ({
    field: `x_${i}`,
    name: f.name,
    kind: f.kind,
    ...(f.kind === "categorical" ? { categories: f.categories.map(String) } : {}),
    hint:
      f.kind === "numeric"
        ? `number; empty uses the training mean ${f.mean.toPrecision(4)}`
        : f.kind === "boolean"
          ? "true or false"
          : f.kind === "text"
            ? "text"
            : f.kind === "date"
              ? "a date such as 2024-01-31 (a time may follow)"
              : "one of the values seen in training",
  }));
}

/** A CSV (any delimiter, gzip or not), NDJSON or Parquet file as rows, through the one reader. */
async function fileRows(file: File, config: UiDeps<"config">["config"]): Promise<Row[]> {
  const table = await readTable(chunksOfBytes(new Uint8Array(await file.arrayBuffer())), readOptions(config));
  if (table.rows === 0) throw new ServiceError(422, "validation_failed", "the file needs a header and rows");
  return tableRows(table);
}

type Predictions = { predictions: PredictionResult[] };

export function predictPages(deps: UiDeps<"now" | "runtime" | "config">) {
  const { runtime } = deps;

  const page = async (
    c: Ctx,
    model: string,
    forms: { one?: FormState; many?: FormState } = {},
    status: 200 | 422 = 200,
  ) => {
    const models = await modelKeys(deps.db, { serving: true, limit: 1000 });
    let features: FeatureInput[] | null = null;
    let unavailable: string | null = null;
    if (model) {
      try {
        features = featureInputs(await runtime.models.active(model));
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        unavailable = e.message;
      }
    }
    const body = (
      <PredictPage
        csrf={signedIn(c).csrfToken}
        models={models}
        model={model}
        features={features}
        unavailable={unavailable}
        one={forms.one ?? emptyForm()}
        many={forms.many ?? emptyForm()}
      />
    );
    return render(c, deps, "Predict", body, { status });
  };

  return new Hono<AppEnv>()
    .get("/ui/predict", requireRole("user"), (c) => page(c, c.req.query("model") ?? ""))
    .post("/ui/predict", requireRole("user"), async (c) => {
      const body = await c.req.parseBody();
      const model = typeof body.model === "string" ? body.model : "";
      const loaded = await runtime.models.active(model);
      const inputs = featureInputs(loaded);
      const values: Record<string, string> = {};
      for (const [k, val] of Object.entries(body)) if (typeof val === "string" && k !== "_csrf") values[k] = val;
      const many = body.mode === "many";
      const datasetId = many ? values.dataset_id?.trim() : undefined;
      if (datasetId) {
        let job: Awaited<ReturnType<typeof startBatchScoring>>;
        try {
          job = await startBatchScoring(
            { db: deps.db, config: deps.config, now: deps.now, models: runtime.models, jobs: runtime.jobs },
            {
              actor: signedIn(c),
              createdBy: signedIn(c).userId,
              modelKey: model,
              version: loaded.version,
              data: { datasetId },
              traceId: c.get("traceId"),
            },
          );
        } catch (e) {
          if (!(e instanceof ServiceError)) throw e;
          return page(c, model, { many: { values, errors: { dataset_id: e.message } } }, 422);
        }
        return seeOther(c, `/ui/predict/results/${job.job_id}`);
      }
      let rows: Row[];
      try {
        if (!many) {
          rows = [
            Object.fromEntries(
              inputs.map((f) => [f.name, values[f.field]?.trim() ? (values[f.field] as string) : null]),
            ),
          ];
        } else if (body.csv instanceof File && body.csv.size > 0) {
          rows = await fileRows(body.csv, deps.config);
        } else {
          let parsed: unknown;
          try {
            parsed = JSON.parse(values.rows_json ?? "");
          } catch {
            throw new FeatureError("not JSON", [
              { path: "rows_json", message: "Paste a JSON array of objects, or choose a CSV file" },
            ]);
          }
          rows = (Array.isArray(parsed) ? parsed : [parsed]) as Row[];
          if (!rows.every((r) => r && typeof r === "object" && !Array.isArray(r))) {
            throw new FeatureError("not rows", [{ path: "rows_json", message: "Each row must be an object" }]);
          }
        }
        encodeRows(loaded.artifact.spec, rows);
      } catch (e) {
        if (!(e instanceof FeatureError || e instanceof ServiceError)) throw e;
        const errors: Record<string, string> = {};
        const details =
          (e instanceof FeatureError ? e.details : (e.details as { path: string; message: string }[] | null)) ?? [];
        for (const d of details) {
          const name = d.path.replace(/^\d+\./, "");
          const field = many
            ? d.path === "rows_json"
              ? "rows_json"
              : body.csv instanceof File && body.csv.size > 0
                ? "csv"
                : "rows_json"
            : (inputs.find((f) => f.name === name)?.field ?? "");
          errors[field] ??= many && d.path !== "rows_json" ? `${d.path}: ${d.message}` : d.message;
        }
        if (Object.keys(errors).length === 0) errors[many ? "rows_json" : ""] = e.message;
        const form = { values, errors };
        return page(c, model, many ? { many: form } : { one: form }, 422);
      }
      const job = await enqueue(deps.db, {
        type: "predict",
        modelKey: model,
        version: loaded.version,
        params: { model_key: model, version: loaded.version, data: rows },
        createdBy: signedIn(c).userId,
        now: deps.now().toISOString(),
        traceId: c.get("traceId"),
      });
      runtime.jobs.kick();
      // small batches finish in milliseconds: wait a little so the result page opens complete
      const until = Date.now() + WAIT_MS;
      while (Date.now() < until && ["queued", "running"].includes((await getJob(deps.db, job.id)).status)) {
        await Bun.sleep(10);
      }
      return seeOther(c, `/ui/predict/results/${job.id}`);
    })
    .get("/ui/predict/results/:id", requireRole("user"), async (c) => {
      const job = await predictionJob(deps.db, signedIn(c), c.req.param("id"));
      const params = JSON.parse(job.params) as { model_key: string; data?: Row[] };
      const result = job.result ? (JSON.parse(job.result) as Predictions) : null;
      const preds = result?.predictions ?? [];
      const rows = preds.slice(0, SHOWN).map((p, i) => ({ ...p, input: params.data?.[i] ?? {} }));
      const body = (
        <ResultsPage
          jobId={job.id}
          status={job.status}
          error={job.error}
          modelKey={params.model_key}
          version={job.version}
          rows={rows}
          total={preds.length}
        />
      );
      const running = job.status === "queued" || job.status === "running";
      return render(c, deps, "Predictions", body, { refresh: running ? 2 : undefined });
    })
    .get("/ui/predict/results/:id/export/:format{csv|json|ndjson}", requireRole("user"), async (c) => {
      const job = await predictionJob(deps.db, signedIn(c), c.req.param("id"));
      if (job.status !== "completed" || !job.result)
        throw new ServiceError(409, "conflict", `job ${job.id} is ${job.status}`);
      // a dataset's batch keeps its inputs in the dataset, not in the job
      const params = JSON.parse(job.params) as { data?: Row[] };
      const preds = (JSON.parse(job.result) as Predictions).predictions;
      const name = `predictions-${job.id}`;
      const format = c.req.param("format");
      if (format === "json" || format === "ndjson") {
        const rows = preds.map((p, i) => ({ ...params.data?.[i], ...p }));
        const text =
          format === "json" ? JSON.stringify(rows, null, 1) : rows.map((r) => `${JSON.stringify(r)}\n`).join("");
        return c.body(text, 200, {
          "content-type": format === "json" ? "application/json" : "application/x-ndjson; charset=utf-8",
          "content-disposition": `attachment; filename="${name}.${format}"`,
        });
      }
      return c.body(predictionsCsv(preds, { inputs: params.data }), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${name}.csv"`,
      });
    });
}
