/** @jsxImportSource hono/jsx */
/**
 * `/ui/train`: pick or upload data, then a form over its columns → the same checks and queue
 * as POST /train (TrainBody, startTraining) → 303 to the job page.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { emptyForm, type FormState } from "../../../views/components/form";
import { TrainPage } from "../../../views/pages/train";
import { type Dataset, datasetForUser, listDatasets } from "../../datasets/store";
import { startTraining } from "../../jobs/start-training";
import { modelKindChoices } from "../../ml/kinds";
import { TrainBody } from "../api/train";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { type Ctx, formError, formFields, render, seeOther, statusOf, type UiDeps } from "./page";

const num = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : Number(s));

/** The form as a TrainBody candidate: numbers parsed, empty fields left out so defaults apply. */
function trainBody(f: Record<string, string>, columns: string[]) {
  const features = columns.filter((_, i) => f[`f_${i}`] !== undefined);
  const hidden = f.hidden_layer_sizes?.trim();
  const hp: Record<string, unknown> = { activation: f.activation || undefined };
  if (hidden) hp.hidden_layer_sizes = hidden.split(/[\s,]+/).map(Number);
  for (const k of ["max_iter", "learning_rate_init", "alpha"]) if (num(f[k]) !== undefined) hp[k] = num(f[k]);
  return {
    model_key: f.model_key ?? "",
    target_field: f.target_field ?? "",
    task_type: f.task_type === "classification" || f.task_type === "regression" ? f.task_type : undefined,
    model_type: f.model_type || undefined,
    feature_fields: features.filter((c) => c !== f.target_field),
    dataset_id: f.dataset_id,
    validation_split: num(f.validation_split),
    allow_schema_change: f.allow_schema_change === "true",
    hyperparameters: hp,
  };
}

export interface TrainPageOptions {
  dataset: Dataset | null;
  form?: FormState;
  upload?: FormState;
  status?: 200 | 413 | 422;
}

/** The train page; the upload form on it reports its errors here too (datasets.tsx). */
export async function trainPage(deps: UiDeps<"config" | "now">, c: Ctx, o: TrainPageOptions) {
  const datasetDeps = { db: deps.db, config: deps.config, now: deps.now };
  const list = await listDatasets(datasetDeps, signedIn(c), { limit: 200 });
  const form = o.form ?? emptyForm();
  const d = o.dataset;
  const target = form.values.target_field ?? d?.columns.at(-1);
  const features = o.form
    ? (d?.columns ?? []).filter((_, i) => form.values[`f_${i}`] !== undefined)
    : (d?.columns ?? []).filter((col) => col !== target);
  const body = (
    <TrainPage
      csrf={signedIn(c).csrfToken}
      datasets={list.items.map((x) => ({ id: x.id, label: `${x.name} v${x.version} (${x.row_count} rows)` }))}
      dataset={d}
      upload={o.upload ?? emptyForm()}
      form={form}
      features={features}
      defaults={{
        max_iter: deps.config.ML_MAX_ITER,
        learning_rate_init: deps.config.ML_LEARNING_RATE_INIT,
        alpha: deps.config.ML_ALPHA,
      }}
      modelTypes={modelKindChoices()}
    />
  );
  return render(c, deps, "Train", body, { status: o.status ?? 200 });
}

export function trainPages(deps: UiDeps<"config" | "now" | "runtime">) {
  const datasetDeps = { db: deps.db, config: deps.config, now: deps.now };

  const page = (c: Ctx, o: TrainPageOptions) => trainPage(deps, c, o);

  return new Hono<AppEnv>()
    .get("/ui/train", requireRole("user"), async (c) => {
      const id = c.req.query("dataset");
      return page(c, { dataset: id ? await datasetForUser(datasetDeps, signedIn(c), id) : null });
    })
    .post("/ui/train", requireRole("user"), async (c) => {
      const f = await formFields(c);
      const user = signedIn(c);
      const dataset = await datasetForUser(datasetDeps, user, f.dataset_id ?? "");
      try {
        const body = v.parse(TrainBody, trainBody(f, dataset.columns));
        const { jobId } = await startTraining(deps, {
          ...body,
          data: { dataset },
          createdBy: user.userId,
          actor: user,
          traceId: c.get("traceId"),
        });
        return seeOther(c, `/ui/jobs/${jobId}`);
      } catch (e) {
        // API paths (hyperparameters.max_iter, feature_fields.0) name the form's fields by their last word
        const form = formError(e, f, { "hyperparameters.hidden_layer_sizes": "hidden_layer_sizes" });
        if (e instanceof v.ValiError) {
          delete form.errors.hyperparameters;
          for (const issue of e.issues) {
            const keys = (issue.path ?? []).map((p: { key: unknown }) => String(p.key));
            if (keys[0] === "hyperparameters" && keys[1]) form.errors[keys[1]] ??= issue.message;
          }
        }
        return page(c, { dataset, form, status: statusOf(e) });
      }
    });
}
