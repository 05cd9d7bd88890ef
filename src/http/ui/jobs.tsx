/** @jsxImportSource hono/jsx */
/** `/ui/jobs`: the queue (paged, filtered by status), one job, cancel. */
import { Hono } from "hono";
import { type JobItem, JobPage, JobsPage } from "../../../views/pages/jobs";
import type { JobStatus } from "../../db/tables/models";
import { type JobRow, jobView } from "../../jobs/queue";
import { cancelJobForUser, jobForUser, listJobsForUser } from "../../jobs/visibility";
import type { AppEnv } from "../env";
import { requireRole, signedIn } from "../middleware/route-access";
import { offsetOf, render, safeNext, seeOther, type UiDeps } from "./page";

const PAGE = 50;
const STATUSES = new Set(["queued", "running", "completed", "failed", "cancelled"]);
const REFRESH_S = 3;

/** A job as the dashboard shows it: the API's view, its progress detail as `detail`. */
export function jobItem(j: JobRow): JobItem {
  const { progress_detail, result: _, started_at: __, ...rest } = jobView(j);
  return { ...rest, detail: progress_detail };
}

const busy = (j: JobItem) => j.status === "queued" || j.status === "running";

export function jobPages(deps: UiDeps<"runtime">) {
  return new Hono<AppEnv>()
    .get("/ui/jobs", requireRole("user"), async (c) => {
      const raw = c.req.query("status") ?? "";
      const status = STATUSES.has(raw) ? (raw as JobStatus) : undefined;
      const offset = offsetOf(c.req.query("offset"));
      const page = await listJobsForUser(deps.db, signedIn(c), { status, limit: PAGE, offset });
      const jobs = page.items.map(jobItem);
      const url = c.req.path + new URL(c.req.url).search;
      const body = (
        <JobsPage
          jobs={jobs}
          total={page.total}
          offset={offset}
          limit={PAGE}
          status={status ?? ""}
          csrf={signedIn(c).csrfToken}
          url={url}
        />
      );
      return render(c, deps, "Jobs", body, { refresh: jobs.some(busy) ? REFRESH_S : undefined });
    })
    .get("/ui/jobs/:id", requireRole("user"), async (c) => {
      const job = jobItem(await jobForUser(deps.db, signedIn(c), c.req.param("id")));
      const body = <JobPage job={job} csrf={signedIn(c).csrfToken} url={c.req.path} />;
      return render(c, deps, `Job ${job.job_id}`, body, { refresh: busy(job) ? REFRESH_S : undefined });
    })
    .post("/ui/jobs/:id/cancel", requireRole("user"), async (c) => {
      const id = c.req.param("id");
      await cancelJobForUser({ db: deps.db, jobs: deps.runtime.jobs }, signedIn(c), id);
      const back = c.req.header("referer");
      const next = back ? safeNext(new URL(back, "http://x").pathname) : `/ui/jobs/${id}`;
      return seeOther(c, next === "/ui" ? `/ui/jobs/${id}` : next);
    });
}
