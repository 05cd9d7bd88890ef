/** `GET /jobs`, `GET /jobs/{id}`, `POST /jobs/{id}/cancel`: the persistent queue, for its users. */
import { Hono } from "hono";
import * as v from "valibot";
import { requireRole } from "../../auth/routes-policy";
import { getJob, jobView, listJobs } from "../../jobs/queue";
import type { Runtime } from "../../runtime";
import type { AppDeps, AppEnv } from "../env";
import { queryParams } from "../validate";

const JobsQuery = v.object({
  status: v.optional(v.picklist(["queued", "running", "completed", "failed", "cancelled"])),
  type: v.optional(v.picklist(["train", "predict", "drift", "retrain"])),
  model_key: v.optional(v.string()),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500)), "50"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
});

export function jobsRoutes(deps: AppDeps & { runtime: Runtime }) {
  return new Hono<AppEnv>()
    .get("/jobs", requireRole("user"), queryParams(JobsQuery), async (c) => {
      const q = c.req.valid("query");
      const { items, total } = await listJobs(deps.db, {
        status: q.status,
        type: q.type,
        modelKey: q.model_key,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ items: items.map(jobView), total, limit: q.limit, offset: q.offset });
    })
    .get("/jobs/:id", requireRole("user"), async (c) => c.json(jobView(await getJob(deps.db, c.req.param("id")))))
    .post("/jobs/:id/cancel", requireRole("user"), async (c) =>
      c.json(jobView(await deps.runtime.jobs.cancel(c.req.param("id")))),
    );
}
