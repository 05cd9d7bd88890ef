/**
 * `POST /feedback`: the true label of a logged prediction (`{prediction_id, label}`), or
 * labelled rows for a model (`{model_key, items: [{...features, <target>: label}]}`). Retraining
 * learns from it (src/jobs/retrain.ts). Unknown prediction ids and labels the model cannot have
 * are a 422; a prediction of another model or version than the optional `model_key`/`version`
 * name is a 409.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { saveFeedback } from "../../monitoring/feedback";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { jsonBody } from "../validate";

const Cell = v.union([v.number(), v.string(), v.boolean(), v.null()]);

export const FeedbackBody = v.union([
  v.strictObject({
    prediction_id: v.pipe(v.number(), v.integer(), v.minValue(1)),
    label: Cell,
    model_key: v.optional(v.pipe(v.string(), v.minLength(1))),
    version: v.optional(v.pipe(v.string(), v.minLength(1))),
  }),
  v.strictObject({
    model_key: v.pipe(v.string(), v.minLength(1)),
    items: v.pipe(v.array(v.record(v.string(), Cell)), v.minLength(1), v.maxLength(100_000)),
  }),
]);

export function feedbackRoutes(deps: Pick<AppDeps, "db" | "now" | "runtime">) {
  const { now } = deps;
  return new Hono<AppEnv>().post(
    "/feedback",
    requireRole("user"),
    jsonBody(FeedbackBody),
    responds(
      { 201: v.object({ model_key: v.string(), feedback_ids: v.array(v.number()), count: v.number() }) },
      { errors: { 409: "the prediction belongs to another model or version" } },
    ),
    async (c) => {
      // a prediction answered a moment ago may still wait in the log's buffer
      await deps.runtime.predictionLog.flush();
      const saved = await saveFeedback(
        { db: deps.db, models: deps.runtime.models, now },
        c.req.valid("json"),
        signedIn(c).username,
        signedIn(c),
      );
      return c.json({ model_key: saved.model_key, feedback_ids: saved.ids, count: saved.ids.length }, 201);
    },
  );
}
