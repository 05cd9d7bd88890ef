/** @jsxImportSource hono/jsx */
/**
 * Server-rendered SVG charts. Each is a <figure> with an SVG that has a <title> and <desc>
 * (role="img"), a caption, and the same numbers in a table that screen readers read instead.
 * Sizes are in SVG user units; the SVG scales to its container.
 */
export interface Series {
  name: string;
  /** y per x label; null leaves a gap */
  values: (number | null)[];
}

const W = 640;
const H = 240;
const PAD = { l: 52, r: 32, t: 12, b: 36 };
const COLORS = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)"];

const fmt = (n: number) => (Math.abs(n) >= 1000 || n === 0 ? n.toFixed(0) : n.toPrecision(3));

function DataTable(p: { caption: string; labels: string[]; series: Series[]; xName: string }) {
  return (
    // the wrapper hides the copy: a table ignores `height`, so a hidden table itself still takes its rows' height
    <div class="sr-only">
      <table>
        <caption>{p.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{p.xName}</th>
            {p.series.map((s) => (
              <th scope="col">{s.name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.labels.map((label, i) => (
            <tr>
              <th scope="row">{label}</th>
              {p.series.map((s) => (
                <td class="num">{s.values[i] == null ? "—" : fmt(s.values[i] as number)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A line per series over shared x labels (versions, days, epochs). */
export function LineChart(p: {
  id: string;
  title: string;
  description: string;
  labels: string[];
  series: Series[];
  xName: string;
  /** fixed y range, e.g. [0, 1] for scores; otherwise from the data */
  yRange?: [number, number];
}) {
  const all = p.series.flatMap((s) => s.values.filter((v): v is number => v != null));
  if (all.length === 0) return <p>{p.title}: no data yet.</p>;
  let [lo, hi] = p.yRange ?? [Math.min(...all), Math.max(...all)];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const n = Math.max(1, p.labels.length - 1);
  const x = (i: number) => PAD.l + ((W - PAD.l - PAD.r) * i) / n;
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - (v - lo) / (hi - lo));
  const ticks = [lo, (lo + hi) / 2, hi];
  // at most ~8 x labels so they stay readable
  const every = Math.ceil(p.labels.length / 8);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${p.id}-t ${p.id}-d`}>
        <title id={`${p.id}-t`}>{p.title}</title>
        <desc id={`${p.id}-d`}>{p.description}</desc>
        <line class="axis" x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} />
        <line class="axis" x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} />
        {ticks.map((t) => (
          <text x={PAD.l - 6} y={y(t) + 4} text-anchor="end">
            {fmt(t)}
          </text>
        ))}
        {p.labels.map((label, i) =>
          i % every === 0 ? (
            <text x={x(i)} y={H - PAD.b + 18} text-anchor="middle">
              {label.length > 12 ? `${label.slice(0, 11)}…` : label}
            </text>
          ) : null,
        )}
        {p.series.map((s, k) => {
          const color = COLORS[k % COLORS.length];
          const pts = s.values.map((v, i) => (v == null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`));
          return (
            <g>
              <polyline fill="none" stroke={color} stroke-width="2" points={pts.filter(Boolean).join(" ")} />
              {pts.length <= 60
                ? pts.map((pt) => {
                    if (!pt) return null;
                    const [cx, cy] = pt.split(",");
                    return <circle cx={cx} cy={cy} r="3" fill={color} />;
                  })
                : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {p.title}
        {p.series.length > 1
          ? p.series.map((s, k) => (
              <span>
                {" "}
                <span class={`swatch s${k % COLORS.length}`} aria-hidden="true" />
                {s.name}
              </span>
            ))
          : null}
      </figcaption>
      <DataTable caption={p.title} labels={p.labels} series={p.series} xName={p.xName} />
    </figure>
  );
}

/** Horizontal bars, one per label (drift per feature); `threshold` draws a dashed limit. */
export function BarChart(p: {
  id: string;
  title: string;
  description: string;
  labels: string[];
  values: number[];
  valueName: string;
  threshold?: number;
}) {
  const rowH = 22;
  const h = PAD.t + p.labels.length * rowH + 20;
  const max = Math.max(p.threshold ?? 0, ...p.values, 1e-9);
  const left = 140;
  const x = (v: number) => left + ((W - left - 60) * v) / max;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${h}`} role="img" aria-labelledby={`${p.id}-t ${p.id}-d`}>
        <title id={`${p.id}-t`}>{p.title}</title>
        <desc id={`${p.id}-d`}>{p.description}</desc>
        {p.labels.map((label, i) => {
          const v = p.values[i] ?? 0;
          const over = p.threshold !== undefined && v > p.threshold;
          const top = PAD.t + i * rowH;
          return (
            <g>
              <text x={left - 6} y={top + 14} text-anchor="end">
                {label.length > 18 ? `${label.slice(0, 17)}…` : label}
              </text>
              <rect
                x={left}
                y={top + 3}
                width={Math.max(1, x(v) - left)}
                height={rowH - 8}
                fill={over ? "var(--chart-2)" : "var(--chart-1)"}
              />
              <text x={x(v) + 4} y={top + 14}>
                {fmt(v)}
              </text>
            </g>
          );
        })}
        {p.threshold !== undefined ? (
          <line
            class="axis"
            x1={x(p.threshold)}
            x2={x(p.threshold)}
            y1={PAD.t}
            y2={h - 16}
            stroke-dasharray="4 3"
            stroke-width="2"
          />
        ) : null}
      </svg>
      <figcaption>{p.title}</figcaption>
      <DataTable
        caption={p.title}
        labels={p.labels}
        series={[{ name: p.valueName, values: p.values }]}
        xName="feature"
      />
    </figure>
  );
}
