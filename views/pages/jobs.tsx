/** @jsxImportSource hono/jsx */
/** Jobs: the live queue with progress and cancel, and one job's page. */
import { Meter, Pager, Status, Time } from "../components/chrome";
import { ActionButton } from "../components/form";

export interface JobItem {
  job_id: string;
  type: string;
  status: string;
  model_key: string | null;
  version: string | null;
  stage: string | null;
  progress: number;
  detail: { epoch?: number; loss?: number; max_epochs?: number } | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

const live = (id: string, url: string) => ({
  id,
  "hx-get": url,
  "hx-trigger": "live-jobs from:body throttle:1s",
  "hx-select": `#${id}`,
  "hx-swap": "outerHTML",
});

export function JobsTable(p: { jobs: JobItem[]; csrf: string | null; caption: string }) {
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <caption>{p.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Type</th>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Created</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {p.jobs.length === 0 ? (
            <tr>
              <td colspan={7}>No jobs.</td>
            </tr>
          ) : null}
          {p.jobs.map((j) => (
            <tr>
              <th scope="row">
                <a href={`/ui/jobs/${j.job_id}`}>{j.job_id}</a>
              </th>
              <td>{j.type}</td>
              <td>{j.model_key ? `${j.model_key} ${j.version ?? ""}` : "—"}</td>
              <td>
                <Status value={j.status} />
              </td>
              <td>
                <Meter value={j.progress} label={`${j.job_id} progress`} /> {Math.round(j.progress * 100)}%
                {j.stage && j.status === "running" ? <span class="hint"> {j.stage.replaceAll("_", " ")}</span> : null}
              </td>
              <td>
                <Time iso={j.created_at} />
              </td>
              <td>
                {j.status === "queued" || j.status === "running" ? (
                  <ActionButton action={`/ui/jobs/${j.job_id}/cancel`} csrf={p.csrf} label={`Cancel ${j.job_id}`} />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function JobsPage(p: {
  jobs: JobItem[];
  total: number;
  offset: number;
  limit: number;
  status: string;
  csrf: string | null;
  url: string;
}) {
  return (
    <>
      <h1>Jobs</h1>
      <form method="get" action="/ui/jobs" class="row">
        <div class="field">
          <label for="job-status">Status</label>
          <select id="job-status" name="status">
            {["", "queued", "running", "completed", "failed", "cancelled"].map((s) => (
              <option value={s} selected={s === p.status}>
                {s || "any"}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      <div {...live("jobs-live", p.url)}>
        <JobsTable jobs={p.jobs} csrf={p.csrf} caption={`${p.total} jobs, newest first`} />
        <Pager base="/ui/jobs" query={{ status: p.status }} offset={p.offset} limit={p.limit} total={p.total} />
      </div>
      <p class="hint">
        This list updates itself; without JavaScript it reloads every few seconds while jobs run.{" "}
        <a href={p.url}>Reload now</a>
      </p>
    </>
  );
}

export function JobPage(p: { job: JobItem; csrf: string | null; url: string }) {
  const j = p.job;
  const d = j.detail;
  return (
    <>
      <h1>Job {j.job_id}</h1>
      <div {...live("job-live", p.url)}>
        <p>
          {j.type} job{j.model_key ? ` for ${j.model_key} ${j.version ?? ""}` : ""}: <Status value={j.status} />
        </p>
        <p>
          <Meter value={j.progress} label="Progress" /> {Math.round(j.progress * 100)}%{" "}
          {j.stage ? `(${j.stage.replaceAll("_", " ")})` : ""}
        </p>
        {d?.epoch ? (
          <p>
            Epoch {d.epoch}
            {d.max_epochs ? ` of at most ${d.max_epochs}` : ""}, loss {d.loss?.toFixed(4)}
          </p>
        ) : null}
        {j.error ? <p class="notice bad">{j.error}</p> : null}
        {j.status === "completed" && j.type === "train" && j.model_key ? (
          <p>
            <a href={`/ui/models/${encodeURIComponent(j.model_key)}`}>See model {j.model_key}</a>
          </p>
        ) : null}
        {j.status === "completed" && j.type === "predict" ? (
          <p>
            <a href={`/ui/predict/results/${j.job_id}`}>See the predictions</a>
          </p>
        ) : null}
        {j.status === "queued" || j.status === "running" ? (
          <ActionButton action={`/ui/jobs/${j.job_id}/cancel`} csrf={p.csrf} label="Cancel this job" />
        ) : null}
      </div>
      <p>
        <a href={p.url}>Reload</a> · <a href="/ui/jobs">All jobs</a>
      </p>
    </>
  );
}
