/**
 * `GET /jobs`, `GET /jobs/{id}`, `POST /jobs/{id}/cancel`: the persistent queue, for its users.
 * Each sees (and may cancel) their own jobs and those of the models they own or maintain; admins all.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { jobView } from "../../jobs/queue";
import { cancelJobForUser, jobForUser, listJobsForUser } from "../../jobs/visibility";
import type { AppDeps, AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { responds } from "../route-doc";
import { queryParams } from "../validate";
import { Job, page } from "./shapes";

const JobsQuery = v.object({
  status: v.optional(v.picklist(["queued", "running", "completed", "failed", "cancelled"])),
  type: v.optional(v.picklist(["train", "predict", "drift", "retrain"])),
  model_key: v.optional(v.string()),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500)), "50"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
});

export function jobsRoutes(deps: Pick<AppDeps, "db" | "runtime">) {
  return new Hono<AppEnv>()
    .get("/jobs", requireRole("user"), queryParams(JobsQuery), responds({ 200: page(Job) }), async (c) => {
      const q = c.req.valid("query");
      const { items, total } = await listJobsForUser(deps.db, signedIn(c), {
        status: q.status,
        type: q.type,
        modelKey: q.model_key,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ items: items.map(jobView), total, limit: q.limit, offset: q.offset });
    })
    .get("/jobs/:id", requireRole("user"), responds({ 200: Job }), async (c) =>
      c.json(jobView(await jobForUser(deps.db, signedIn(c), c.req.param("id")))),
    )
    .post(
      "/jobs/:id/cancel",
      requireRole("user"),
      responds({ 200: Job }, { errors: { 409: "the job has finished" } }),
      async (c) =>
        c.json(
          jobView(await cancelJobForUser({ db: deps.db, jobs: deps.runtime.jobs }, signedIn(c), c.req.param("id"))),
        ),
    );
}
