/** @jsxImportSource hono/jsx */
/** Metrics (trends and summary), Events (filterable audit feed, suspicious view) and Users. */
import { LineChart, type Series } from "../components/chart";
import { Status, Time } from "../components/chrome";
import { ActionButton, Csrf, Field, FormError, type FormState, Select } from "../components/form";

export function MetricsPage(p: {
  summary: { task: string; versions: number; ready: number; failed: number; mean: number | null }[];
  predictions: number;
  labels: string[];
  series: Series[];
  model: string;
  models: string[];
}) {
  return (
    <>
      <h1>Metrics</h1>
      <table>
        <caption>Summary of all versions; {p.predictions} predictions logged</caption>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col" class="num">
              Versions
            </th>
            <th scope="col" class="num">
              Ready
            </th>
            <th scope="col" class="num">
              Failed
            </th>
            <th scope="col" class="num">
              Mean score
            </th>
          </tr>
        </thead>
        <tbody>
          {p.summary.map((s) => (
            <tr>
              <th scope="row">{s.task}</th>
              <td class="num">{s.versions}</td>
              <td class="num">{s.ready}</td>
              <td class="num">{s.failed}</td>
              <td class="num">{s.mean === null ? "—" : s.mean.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Trend</h2>
      <form method="get" action="/ui/metrics" class="row">
        <Select form={{ values: { model: p.model }, errors: {} }} name="model" label="Model" options={p.models} />
        <button type="submit">Show</button>
      </form>
      <LineChart
        id="metric-trend"
        title={`Held-out scores per version of ${p.model || "—"}`}
        description="Accuracy and macro F1 (classification) or R² (regression) of each ready version, oldest first."
        labels={p.labels}
        series={p.series}
        xName="version"
        yRange={[0, 1]}
      />
    </>
  );
}

export interface EventItem {
  id: number;
  time: string;
  type: string;
  source: string;
  actor: string | null;
  ip: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  suspicious: boolean;
  reason: string | null;
}

export function EventsPage(p: {
  items: EventItem[];
  total: number;
  filter: Record<string, string>;
  next: string | null;
  suspicious: boolean;
}) {
  const form = { values: p.filter, errors: {} };
  return (
    <>
      <h1>{p.suspicious ? "Suspicious activity" : "Events"}</h1>
      <p>
        {p.suspicious ? <a href="/ui/events">All events</a> : <a href="/ui/events?suspicious=true">Suspicious only</a>}
      </p>
      <form method="get" action="/ui/events" class="row">
        {p.suspicious ? <input type="hidden" name="suspicious" value="true" /> : null}
        <Field form={form} name="type" label="Type" placeholder="auth:login" />
        <Field form={form} name="user" label="User" />
        <Select form={form} name="source" label="Source" options={[["", "any"], "api", "gui", "system"]} />
        <Field form={form} name="status" label="Status" type="number" />
        <button type="submit">Filter</button>
      </form>
      <div class="table-wrap" tabindex={0}>
        <table>
          <caption>{p.total} matching events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col">Source</th>
              <th scope="col">Actor</th>
              <th scope="col">IP</th>
              <th scope="col">Request</th>
              <th scope="col" class="num">
                Status
              </th>
              <th scope="col">Flag</th>
            </tr>
          </thead>
          <tbody>
            {p.items.map((e) => (
              <tr>
                <td>
                  <Time iso={e.time} />
                </td>
                <td>{e.type}</td>
                <td>{e.source}</td>
                <td>{e.actor ?? "anonymous"}</td>
                <td>{e.ip ?? ""}</td>
                <td>{e.method ? `${e.method} ${e.path}` : ""}</td>
                <td class="num">{e.status ?? ""}</td>
                <td>{e.suspicious ? <Status value={e.reason ?? "suspicious"} /> : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {p.next ? <a href={p.next}>Older events</a> : null}
    </>
  );
}

export interface UserItem {
  id: number;
  username: string;
  role: string;
  is_active: number;
  last_login_at: string | null;
  created_at: string;
}

export function UsersPage(p: {
  users: UserItem[];
  csrf: string | null;
  form: FormState;
  roles: string[];
  self: number;
}) {
  return (
    <>
      <h1>Users</h1>
      <div class="table-wrap" tabindex={0} id="users">
        <table>
          <caption>{p.users.length} accounts</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {p.users.map((u) => (
              <tr>
                <th scope="row">{u.username}</th>
                <td>{u.role}</td>
                <td>
                  <Status value={u.is_active ? "active" : "deactivated"} />
                </td>
                <td>
                  <Time iso={u.last_login_at} />
                </td>
                <td>
                  {u.id === p.self ? (
                    "you"
                  ) : (
                    <ActionButton
                      action={`/ui/users/${u.id}/${u.is_active ? "deactivate" : "activate"}`}
                      csrf={p.csrf}
                      label={`${u.is_active ? "Deactivate" : "Activate"} ${u.username}`}
                      danger={Boolean(u.is_active)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="new-user-h">Create a user</h2>
      <FormError form={p.form} />
      <form method="post" action="/ui/users" class="stack" aria-labelledby="new-user-h" novalidate>
        <Csrf token={p.csrf} />
        <Field form={p.form} name="username" label="Username" autocomplete="off" />
        <Field
          form={p.form}
          name="password"
          label="Initial password"
          type="password"
          autocomplete="new-password"
          hint="They must change it at first sign-in"
        />
        <Select form={p.form} name="role" label="Role" options={p.roles} value="user" />
        <p>
          <button type="submit">Create user</button>
        </p>
      </form>
    </>
  );
}
