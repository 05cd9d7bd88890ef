/** @jsxImportSource hono/jsx */
/**
 * Server-rendered SVG for drift: reference-vs-current histograms of one feature, and a sparkline
 * of a feature's PSI over days. Plain SVG with colours from CSS custom properties (--chart-1,
 * --chart-2), no script and no external reference, so the same markup serves the Drift page and
 * the self-contained HTML export. Each histogram carries its numbers in a table for screen readers.
 */
import type { Histogram as HistogramData } from "../../src/monitoring/drift";

const W = 640;
const H = 200;
const PAD = { l: 44, r: 12, t: 12, b: 44 };

const num = (x: number) => (Math.abs(x) >= 1000 || x === 0 ? x.toFixed(0) : x.toPrecision(3));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Bin names: categories as they are, numeric bins by their edges ("< 1.2", "1.2 – 3.4", "≥ 3.4"). */
export function binLabels(h: HistogramData): string[] {
  if (h.labels) return h.labels;
  const e = h.edges ?? [];
  if (e.length === 0) return ["all"];
  return h.reference.map((_, i) =>
    i === 0
      ? `< ${num(e[0] as number)}`
      : i === e.length
        ? `≥ ${num(e[e.length - 1] as number)}`
        : `${num(e[i - 1] as number)} – ${num(e[i] as number)}`,
  );
}

/** Reference (first colour) and current (second) share of each bin, side by side. */
export function HistogramChart(p: { id: string; title: string; histogram: HistogramData }) {
  const labels = binLabels(p.histogram);
  const { reference, current } = p.histogram;
  const n = labels.length;
  const max = Math.max(1e-9, ...reference, ...current);
  const groupW = (W - PAD.l - PAD.r) / n;
  const barW = Math.max(1, groupW * 0.4);
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
  const every = Math.ceil(n / 10); // at most ~10 bin labels so they stay readable
  return (
    <figure class="chart histogram">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${p.id}-t ${p.id}-d`}>
        <title id={`${p.id}-t`}>{p.title}</title>
        <desc id={`${p.id}-d`}>
          Share of values per bin: reference (training) beside current, {n} bins, highest {pct(max)}.
        </desc>
        <line class="axis" x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} />
        <line class="axis" x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} />
        <text x={PAD.l - 4} y={y(max) + 4} text-anchor="end">
          {pct(max)}
        </text>
        <text x={PAD.l - 4} y={H - PAD.b + 4} text-anchor="end">
          0
        </text>
        {labels.map((label, i) => {
          const x0 = PAD.l + i * groupW + groupW * 0.1;
          const r = reference[i] ?? 0;
          const c = current[i] ?? 0;
          return (
            <g>
              <rect class="ref" x={x0} y={y(r)} width={barW} height={H - PAD.b - y(r)} fill="var(--chart-1)" />
              <rect class="cur" x={x0 + barW} y={y(c)} width={barW} height={H - PAD.b - y(c)} fill="var(--chart-2)" />
              {i % every === 0 ? (
                <text x={x0 + barW} y={H - PAD.b + 16} text-anchor="middle">
                  {label.length > 14 ? `${label.slice(0, 13)}…` : label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {p.title}: <span class="swatch s0" aria-hidden="true" /> reference <span class="swatch s1" aria-hidden="true" />{" "}
        current
      </figcaption>
      <table class="sr-only">
        <caption>{p.title}</caption>
        <thead>
          <tr>
            <th scope="col">bin</th>
            <th scope="col">reference</th>
            <th scope="col">current</th>
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => (
            <tr>
              <th scope="row">{label}</th>
              <td class="num">{pct(reference[i] ?? 0)}</td>
              <td class="num">{pct(current[i] ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** A feature's PSI per day as a small line; gaps where a day was undecided. */
export function Sparkline(p: { label: string; values: (number | null)[]; days: string[] }) {
  const w = 160;
  const h = 32;
  const xs = p.values.filter((v): v is number => v !== null);
  if (xs.length === 0) return <span class="hint">no data</span>;
  const max = Math.max(1e-9, ...xs);
  const n = Math.max(1, p.values.length - 1);
  const points = p.values
    .map((v, i) => (v === null ? null : `${((w * i) / n).toFixed(1)},${(h - 2 - ((h - 4) * v) / max).toFixed(1)}`))
    .filter(Boolean)
    .join(" ");
  const last = xs[xs.length - 1] as number;
  const summary = `${p.label}: PSI over ${p.days.length} days (${p.days[0]} to ${p.days[p.days.length - 1]}), highest ${num(max)}, latest ${num(last)}`;
  return (
    <svg class="sparkline" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={summary}>
      <title>{summary}</title>
      <polyline fill="none" stroke="var(--chart-1)" stroke-width="2" points={points} />
    </svg>
  );
}
