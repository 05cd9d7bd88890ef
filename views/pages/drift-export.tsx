/** @jsxImportSource hono/jsx */
/**
 * One drift check as ONE self-contained HTML file (`GET /drift/checks/{id}?format=html`): the
 * verdict, sample sizes, per-feature statistics and reference-vs-current histograms as inline
 * SVG, styles inline; no script, no link, no external URL, so it opens anywhere, offline, and
 * can be attached to a ticket as it is.
 */
import type { FeatureDrift } from "../../src/monitoring/drift";
import type { CheckRunView } from "../../src/monitoring/history";
import { HistogramChart } from "../components/histogram";

const CSS = `
:root { --chart-1: #3566c4; --chart-2: #d9822b; color-scheme: light; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d2330; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 13px; }
th, td { border-bottom: 1px solid #d5d9e0; padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.drift { color: #b42318; font-weight: 600; } .ok { color: #067647; } .open { color: #8a6a00; }
figure { margin: 1rem 0 2rem; } svg { max-width: 100%; height: auto; } svg text { font-size: 11px; fill: #4a5263; }
.axis { stroke: #8a93a5; } .swatch { display: inline-block; width: .8em; height: .8em; }
.s0 { background: var(--chart-1); } .s1 { background: var(--chart-2); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.hint { color: #5b6474; }
`;

const f4 = (x: number | null | undefined) => (x === null || x === undefined ? "—" : x.toFixed(4));
const p3 = (x: number | null | undefined) =>
  x === null || x === undefined ? "—" : x === 0 ? "0" : x < 1e-3 ? x.toExponential(2) : x.toFixed(4);
const signed = (x: number | null | undefined, unit = "") =>
  x === null || x === undefined ? "—" : `${x >= 0 ? "+" : ""}${x.toFixed(3)}${unit}`;

function Verdict(p: { drifted: boolean | null }) {
  if (p.drifted === true) return <span class="drift">drift</span>;
  if (p.drifted === false) return <span class="ok">no drift</span>;
  return <span class="open">undecided</span>;
}

/** What moved: mean shift and σ ratio, or the largest category share change. */
function Shift(p: { f: FeatureDrift }) {
  const f = p.f;
  if (f.kind === "numeric")
    return (
      <>
        mean {signed(f.mean_shift_sd, "σ")}, σ ×
        {f.std_ratio === null || f.std_ratio === undefined ? "—" : f.std_ratio.toFixed(3)}
      </>
    );
  const top = f.category_shares?.[0];
  return top ? (
    <>
      {top.category}: {(100 * top.reference).toFixed(1)}% → {(100 * top.current).toFixed(1)}%
    </>
  ) : (
    <>—</>
  );
}

function Document(p: { check: CheckRunView }) {
  const c = p.check;
  const features = (c.features ?? []) as FeatureDrift[];
  const title = `Drift check ${c.check_id}: ${c.model_key} ${c.version ?? ""}`;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <style>{CSS}</style>
      </head>
      <body>
        <h1>{title}</h1>
        <p>
          <strong>
            <Verdict drifted={c.drifted} />
          </strong>{" "}
          ({c.status}): {c.reason}
        </p>
        <table>
          <caption>The check</caption>
          <tbody>
            <tr>
              <th scope="row">Model, version judged</th>
              <td>
                {c.model_key} {c.version ?? "(none ready)"}
              </td>
            </tr>
            <tr>
              <th scope="row">Checked at</th>
              <td>{c.created_at}</td>
            </tr>
            <tr>
              <th scope="row">Window of logged inputs</th>
              <td>
                {c.window_start} to {c.window_end}
              </td>
            </tr>
            <tr>
              <th scope="row">Current rows</th>
              <td>
                {c.rows} (features are decided from {c.min_rows ?? "—"} values on)
              </td>
            </tr>
            <tr>
              <th scope="row">Drifted features</th>
              <td>
                {c.drifted_features.length} of {features.length}
                {c.drifted_features.length > 0 ? `: ${c.drifted_features.join(", ")}` : ""}
              </td>
            </tr>
          </tbody>
        </table>
        {features.length > 0 ? (
          <table>
            <caption>Per-feature statistics with sample sizes</caption>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Verdict</th>
                <th scope="col">Test p (Holm)</th>
                <th scope="col">PSI (noise floor)</th>
                <th scope="col">JS (noise floor)</th>
                <th scope="col">Shift</th>
                <th scope="col">Missing rate</th>
                <th scope="col">Rows (reference / current)</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {features.map((f) => (
                <tr>
                  <th scope="row">{f.feature}</th>
                  <td>
                    <Verdict drifted={f.drifted} />
                  </td>
                  <td class="num">
                    {f.test ?? ""} {p3(f.p_value)} ({p3(f.p_holm)})
                  </td>
                  <td class="num">
                    {f4(f.psi)} ({f4(f.psi_floor)})
                  </td>
                  <td class="num">
                    {f4(f.js)} ({f4(f.js_floor)})
                  </td>
                  <td>
                    <Shift f={f} />
                  </td>
                  <td class="num">
                    {f.missing_rate_current === null ? "—" : `${(100 * f.missing_rate_current).toFixed(1)}%`} (
                    {signed(f.missing_rate_change === null ? null : 100 * f.missing_rate_change, " pt")})
                  </td>
                  <td class="num">
                    {f.n_reference} / {f.n_current}
                  </td>
                  <td class="hint">{f.reasons.join("; ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {features.map((f, i) =>
          f.histogram ? (
            <HistogramChart id={`h${i}`} title={`${f.feature} (${f.kind})`} histogram={f.histogram} />
          ) : null,
        )}
      </body>
    </html>
  );
}

/** The whole file, doctype included. */
export function renderDriftCheckHtml(check: CheckRunView): string {
  return `<!doctype html>${String(<Document check={check} />)}`;
}
