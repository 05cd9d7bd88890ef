/** @jsxImportSource hono/jsx */
/**
 * Drift (check-now forms, the newest check's reference-vs-current histograms, per-feature PSI
 * trend over 30 days, daily reports with per-feature PSI/JS/KS) and Alerts (list, dismiss).
 */
import type { FeatureDrift } from "../../src/monitoring/drift";
import type { CheckRunView } from "../../src/monitoring/history";
import { BarChart, LineChart } from "../components/chart";
import { Pager, Status, Time } from "../components/chrome";
import { ActionButton, Csrf } from "../components/form";
import { HistogramChart, Sparkline } from "../components/histogram";
import type { AlertItem, DriftCheckItem } from "../types";

const f4 = (n: number | null) => (n === null ? "—" : n.toFixed(4));

export function DriftPage(p: {
  checks: DriftCheckItem[] | null;
  total: number;
  offset: number;
  limit: number;
  models: string[];
  model: string;
  psiThreshold: number;
  latest: CheckRunView | null;
  trend: { days: string[]; features: { feature: string; psi: (number | null)[] }[] } | null;
  canCheckModel: boolean;
  canCheckAll: boolean;
  csrf: string | null;
}) {
  const latest = p.checks?.[0];
  // oldest first for the trend: the mean PSI over features of each check
  const trend = [...(p.checks ?? [])].reverse();
  const meanPsi = (d: DriftCheckItem) => {
    const xs = d.features.map((f) => f.psi).filter((x): x is number => x !== null);
    return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
  };
  return (
    <>
      <h1>Drift</h1>
      <form method="get" action="/ui/drift" class="row">
        <div class="field">
          <label for="drift-model">Model</label>
          <select id="drift-model" name="model">
            <option value="">all models</option>
            {p.models.map((m) => (
              <option value={m} selected={m === p.model}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Show</button>
      </form>
      <CheckNow {...p} />
      <div
        id="drift-live"
        hx-get={`/ui/drift${p.model ? `?model=${encodeURIComponent(p.model)}` : ""}`}
        hx-trigger="live-drift from:body"
        hx-select="#drift-live"
        hx-swap="outerHTML"
      >
        {p.checks === null ? (
          <p>No drift checks yet: drift monitoring is not set up on this service.</p>
        ) : p.checks.length === 0 ? (
          <p>No drift checks yet{p.model ? ` for ${p.model}` : ""}.</p>
        ) : (
          <>
            {p.latest ? <LatestCheck check={p.latest} trend={p.trend} /> : null}
            {latest && latest.features.length > 0 ? (
              <BarChart
                id="drift-psi"
                title={`PSI per feature, ${latest.model_key}, ${latest.checked_at.slice(0, 10)}`}
                description={`Population stability index of each feature in the latest check; the dashed line is the threshold ${p.psiThreshold}.`}
                labels={latest.features.map((f) => f.feature)}
                values={latest.features.map((f) => f.psi ?? 0)}
                valueName="PSI"
                threshold={p.psiThreshold}
              />
            ) : null}
            {p.model && trend.length > 1 ? (
              <LineChart
                id="drift-trend"
                title={`Mean PSI over days, ${p.model}`}
                description={`Mean population stability index over features, per check, oldest first (${trend.length} checks).`}
                labels={trend.map((d) => d.checked_at.slice(0, 10))}
                series={[{ name: "mean PSI", values: trend.map(meanPsi) }]}
                xName="day"
              />
            ) : null}
            {p.checks.map((d) => (
              <section aria-labelledby={`dc-${d.id}`}>
                <h2 id={`dc-${d.id}`}>
                  {d.model_key} {d.version ?? ""}, <Time iso={d.checked_at} />{" "}
                  <Status value={d.drift_detected ? "drift" : d.status} />
                </h2>
                <div class="table-wrap" tabindex={0}>
                  <table>
                    <caption>Per-feature statistics with sample sizes</caption>
                    <thead>
                      <tr>
                        <th scope="col">Feature</th>
                        <th scope="col" class="num">
                          PSI
                        </th>
                        <th scope="col" class="num">
                          JS
                        </th>
                        <th scope="col" class="num">
                          KS
                        </th>
                        <th scope="col" class="num">
                          Rows (reference / current)
                        </th>
                        <th scope="col">Drift</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.features.map((f) => (
                        <tr>
                          <th scope="row">{f.feature}</th>
                          <td class="num">{f4(f.psi)}</td>
                          <td class="num">{f4(f.js)}</td>
                          <td class="num">{f4(f.ks)}</td>
                          <td class="num">
                            {f.n_reference ?? "—"} / {f.n_current ?? "—"}
                          </td>
                          <td>{f.drifted ? <Status value="drift" /> : "no"}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
            ))}
            <Pager base="/ui/drift" query={{ model: p.model }} offset={p.offset} limit={p.limit} total={p.total} />
          </>
        )}
      </div>
    </>
  );
}

/** "Check drift now": the chosen model (its owner, maintainers, admins) and every model (admins); plain forms. */
function CheckNow(p: { model: string; canCheckModel: boolean; canCheckAll: boolean; csrf: string | null }) {
  if (!p.canCheckModel && !p.canCheckAll) return null;
  return (
    <div class="row">
      {p.canCheckModel ? (
        <form method="post" action="/ui/drift/check" class="inline">
          <Csrf token={p.csrf} />
          <input type="hidden" name="model_key" value={p.model} />
          <button type="submit">Check drift of {p.model} now</button>
        </form>
      ) : null}
      {p.canCheckAll ? (
        <form method="post" action="/ui/drift/check" class="inline">
          <Csrf token={p.csrf} />
          <button type="submit" class="secondary">
            Check every model now
          </button>
        </form>
      ) : null}
    </div>
  );
}

const sd = (x: number | null | undefined) =>
  x === null || x === undefined ? "—" : `${x >= 0 ? "+" : ""}${x.toFixed(2)}σ`;

/** The newest kept check: verdict, sizes, what moved, the 30-day PSI trend and a histogram per feature. */
function LatestCheck(p: {
  check: CheckRunView;
  trend: { days: string[]; features: { feature: string; psi: (number | null)[] }[] } | null;
}) {
  const c = p.check;
  const features = (c.features ?? []) as FeatureDrift[];
  const trendOf = (name: string) => p.trend?.features.find((t) => t.feature === name);
  return (
    <section aria-labelledby="latest-check" id="latest">
      <h2 id="latest-check">
        Latest check: {c.model_key} {c.version ?? ""}, <Time iso={c.created_at} />{" "}
        <Status value={c.drifted === true ? "drift" : c.drifted === false ? "no_drift" : "undecided"} />
      </h2>
      <p>
        {c.reason} ({c.rows} rows). <a href={`/drift/checks/${c.check_id}?format=html`}>Download as HTML</a> ·{" "}
        <a href={`/drift/checks/${c.check_id}?format=json`}>JSON</a>
      </p>
      {features.length > 0 ? (
        <div class="table-wrap" tabindex={0}>
          <table>
            <caption>
              What moved, per feature{p.trend ? `, with PSI over the last ${p.trend.days.length} days` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Verdict</th>
                <th scope="col">Shift</th>
                <th scope="col" class="num">
                  Missing rate change
                </th>
                {p.trend ? <th scope="col">PSI trend</th> : null}
              </tr>
            </thead>
            <tbody>
              {features.map((f) => {
                const t = trendOf(f.feature);
                const top = f.category_shares?.[0];
                return (
                  <tr>
                    <th scope="row">{f.feature}</th>
                    <td>
                      <Status value={f.drifted === true ? "drift" : f.drifted === false ? "no_drift" : "undecided"} />
                    </td>
                    <td>
                      {f.kind === "numeric"
                        ? `mean ${sd(f.mean_shift_sd)}, σ ×${f.std_ratio?.toFixed(2) ?? "—"}`
                        : top
                          ? `${top.category} ${(100 * top.reference).toFixed(0)}% → ${(100 * top.current).toFixed(0)}%`
                          : "—"}
                    </td>
                    <td class="num">
                      {f.missing_rate_change === null ? "—" : `${(100 * f.missing_rate_change).toFixed(1)} pt`}
                    </td>
                    {p.trend ? (
                      <td>{t ? <Sparkline label={f.feature} values={t.psi} days={p.trend.days} /> : "—"}</td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {features.map((f, i) =>
        f.histogram ? (
          <HistogramChart id={`hist-${i}`} title={`${f.feature}: reference vs current`} histogram={f.histogram} />
        ) : null,
      )}
    </section>
  );
}

export function AlertsPage(p: {
  alerts: AlertItem[] | null;
  total: number;
  offset: number;
  limit: number;
  show: "open" | "all";
  csrf: string | null;
}) {
  return (
    <>
      <h1>Alerts</h1>
      <p>
        {p.show === "open" ? (
          <a href="/ui/alerts?show=all">Show dismissed alerts too</a>
        ) : (
          <a href="/ui/alerts">Show open alerts only</a>
        )}
      </p>
      <div
        id="alerts-live"
        hx-get={`/ui/alerts?show=${p.show}`}
        hx-trigger="live-alerts from:body"
        hx-select="#alerts-live"
        hx-swap="outerHTML"
      >
        {p.alerts === null ? (
          <p>No alerts: alerting is not set up on this service yet.</p>
        ) : (
          <>
            <div class="table-wrap" tabindex={0}>
              <table>
                <caption>
                  {p.total} {p.show === "open" ? "open alerts" : "alerts"}, newest first
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Severity</th>
                    <th scope="col">Model</th>
                    <th scope="col">Alert</th>
                    <th scope="col">Raised</th>
                    <th scope="col">Action</th>
                  </tr>
                </thead>
                <tbody>
                  {p.alerts.length === 0 ? (
                    <tr>
                      <td colspan={5}>No {p.show === "open" ? "open " : ""}alerts.</td>
                    </tr>
                  ) : null}
                  {p.alerts.map((a) => (
                    <tr>
                      <td>
                        <Status value={a.severity} />
                      </td>
                      <td>{a.model_key ?? "—"}</td>
                      <td>
                        {a.message} <span class="hint">({a.kind})</span>
                      </td>
                      <td>
                        <Time iso={a.created_at} />
                      </td>
                      <td>
                        {a.dismissed_at ? (
                          <>
                            dismissed <Time iso={a.dismissed_at} />
                          </>
                        ) : (
                          <ActionButton
                            action={`/ui/alerts/${a.id}/dismiss`}
                            csrf={p.csrf}
                            label={`Dismiss alert ${a.id}`}
                          />
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager base="/ui/alerts" query={{ show: p.show }} offset={p.offset} limit={p.limit} total={p.total} />
          </>
        )}
      </div>
    </>
  );
}
