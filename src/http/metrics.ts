/**
 * A small Prometheus registry: counters, gauges and fixed-bucket histograms, rendered in the
 * text exposition format (version 0.0.4). Series are created once per label combination and
 * kept, so the hot path is a Map lookup and a few additions; callers hold on to a series
 * (`labels(...)`) where they can.
 *
 * @example
 * const registry = new Registry();
 * const requests = registry.counter("http_requests_total", "Requests served.", ["method"]);
 * requests.labels("GET").inc();
 * await registry.render(); // "# HELP http_requests_total Requests served.\n# TYPE ..."
 */

type Kind = "counter" | "gauge" | "histogram";

/** Label values may hold anything; the format needs `\`, `"` and newlines escaped. */
export const escapeLabelValue = (value: string) =>
  value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
const escapeHelp = (help: string) => help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");

export function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  if (n === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(n);
}

function labelText(names: readonly string[], values: readonly string[], extra = ""): string {
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? "")}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** Series by label values: one level per label, the series at the last. */
type SeriesTree<S> = Map<string, S | SeriesTree<S>>;

abstract class Metric<S extends { readonly values: readonly string[] }> {
  readonly #tree: SeriesTree<S> = new Map();
  /** every series, in the order they were made (the order they are rendered in) */
  readonly #series: S[] = [];
  abstract readonly kind: Kind;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
  }

  protected abstract create(values: readonly string[]): S;
  protected abstract lines(series: S): string[];

  /** The series for these label values (in `labelNames` order), created on first use. */
  labels(...values: string[]): S {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name} takes labels ${this.labelNames.join(",")}; got ${values.length} values`);
    }
    // a Map per label rather than one joined key: a request's series is found without building a string
    let level = this.#tree;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      const v = values[i] as string;
      let next = level.get(v) as SeriesTree<S> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(v, next);
      }
      level = next;
    }
    const key = last < 0 ? "" : (values[last] as string);
    let s = level.get(key) as S | undefined;
    if (s === undefined) {
      s = this.create(values);
      level.set(key, s);
      this.#series.push(s);
    }
    return s;
  }

  /** Forgets every series: for gauges recomputed from scratch at each scrape. */
  clear(): void {
    this.#tree.clear();
    this.#series.length = 0;
  }

  render(): string {
    const out = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.kind}`];
    for (const s of this.#series) out.push(...this.lines(s));
    return out.join("\n");
  }
}

export interface CounterSeries {
  readonly values: readonly string[];
  value: number;
  inc(n?: number): void;
}

export class Counter extends Metric<CounterSeries> {
  readonly kind = "counter";
  protected create(values: readonly string[]): CounterSeries {
    return {
      values,
      value: 0,
      inc(n = 1) {
        if (n < 0) throw new Error("a counter only goes up");
        this.value += n;
      },
    };
  }
  protected lines(s: CounterSeries) {
    return [`${this.name}${labelText(this.labelNames, s.values)} ${formatValue(s.value)}`];
  }
}

export interface GaugeSeries {
  readonly values: readonly string[];
  value: number;
  set(n: number): void;
}

export class Gauge extends Metric<GaugeSeries> {
  readonly kind = "gauge";
  protected create(values: readonly string[]): GaugeSeries {
    return {
      values,
      value: 0,
      set(n) {
        this.value = n;
      },
    };
  }
  protected lines(s: GaugeSeries) {
    return [`${this.name}${labelText(this.labelNames, s.values)} ${formatValue(s.value)}`];
  }
}

export interface HistogramSeries {
  readonly values: readonly string[];
  /** per-bucket (not cumulative) counts; the last slot is the +Inf overflow */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  observe(v: number): void;
}

export class Histogram extends Metric<HistogramSeries> {
  readonly kind = "histogram";
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    if (labelNames.includes("le")) throw new Error("le is reserved for histogram buckets");
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  protected create(values: readonly string[]): HistogramSeries {
    const buckets = this.buckets;
    return {
      values,
      counts: new Float64Array(buckets.length + 1),
      sum: 0,
      count: 0,
      observe(v) {
        let i = 0;
        while (i < buckets.length && v > (buckets[i] as number)) i++;
        this.counts[i] = (this.counts[i] ?? 0) + 1;
        this.sum += v;
        this.count++;
      },
    };
  }

  protected lines(s: HistogramSeries) {
    const values = s.values;
    const out: string[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += s.counts[i] as number;
      const le = i < this.buckets.length ? formatValue(this.buckets[i] as number) : "+Inf";
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${le}"`)} ${cumulative}`);
    }
    const plain = labelText(this.labelNames, values);
    out.push(`${this.name}_sum${plain} ${formatValue(s.sum)}`, `${this.name}_count${plain} ${s.count}`);
    return out;
  }
}

/** The metrics of one service; collectors refresh scrape-time gauges just before rendering. */
export class Registry {
  // biome-ignore lint/suspicious/noExplicitAny: a registry holds metrics of every series type
  readonly #metrics: Metric<any>[] = [];
  readonly #collectors: (() => void | Promise<void>)[] = [];

  // biome-ignore lint/suspicious/noExplicitAny: see #metrics
  #add<M extends Metric<any>>(m: M): M {
    if (this.#metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.#metrics.push(m);
    return m;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []) {
    return this.#add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []) {
    return this.#add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    return this.#add(new Histogram(name, help, labelNames, buckets));
  }

  /** Runs before every render: read the database, the process, … into gauges. */
  collect(collector: () => void | Promise<void>): void {
    this.#collectors.push(collector);
  }

  async render(): Promise<string> {
    for (const c of this.#collectors) await c();
    return `${this.#metrics.map((m) => m.render()).join("\n")}\n`;
  }
}
