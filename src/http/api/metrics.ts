/**
 * `GET /metrics`: Prometheus text format, public because scrapers usually carry no
 * credentials (keep the port off the internet, or put it behind a proxy that filters /metrics).
 *
 * What is measured and where: requests and latency per matched route pattern (the middleware
 * below; raw paths would give one series per job id), jobs by status and type (read from the
 * database at scrape time), training durations (bus events), predicted rows by model (counted
 * by the prediction log: API, dashboard and predict jobs alike; no request body is read here),
 * the prediction log's loss window on kill -9 (rows and ms, from its settings) and what waits,
 * process, database size (PRAGMA page_count × page_size: what the retention settings bound); at
 * scrape time also the serving version, scores and latest drift share of each model, and open
 * alerts by type. Latency buckets start at 0.1 ms: a prediction takes well under a millisecond.
 */
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { matchedRoutes } from "hono/route";
import { databaseSize } from "../../db/size";
import { ALERT_TYPES } from "../../db/tables/monitoring";
import { countJobsByState } from "../../jobs/queue";
import { countOpenAlerts } from "../../monitoring/alerts";
import { modelSeries } from "../../monitoring/model-series";
import { cpuSeconds, openFds } from "../../monitoring/process-stats";
import { VERSION } from "../../version";
import type { AppDeps, AppEnv } from "../env";
import { Registry } from "../metrics";
import { publicRoute } from "../middleware/route-access";
import { responds } from "../route-doc";

const LATENCY_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
const TRAINING_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const JOB_STATUSES = ["queued", "running", "completed", "failed", "cancelled"];
const SEVERITIES = ["info", "warning", "critical"];
const STATUS_CLASS = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>;

export function createServiceMetrics(deps: Pick<AppDeps, "db" | "startedAt" | "bus" | "runtime" | "config">) {
  const registry = new Registry();
  const requests = registry.counter("http_requests_total", "HTTP requests by matched route and status class.", [
    "method",
    "route",
    "status",
  ]);
  const latency = registry.histogram(
    "http_request_duration_seconds",
    "HTTP request latency by matched route, in seconds.",
    ["method", "route"],
    LATENCY_BUCKETS_S,
  );
  const fastPath = registry.counter(
    "mlservice_http_fast_path_total",
    "POST /predict requests answered without the middleware chain (src/http/fast-predict.ts), by status class.",
    ["status"],
  );
  const jobs = registry.gauge("mlservice_jobs", "Jobs in the queue table by status and type.", ["status", "type"]);
  const training = registry.histogram(
    "mlservice_training_duration_seconds",
    "Wall time of completed training jobs, in seconds.",
    [],
    TRAINING_BUCKETS_S,
  );
  const predictions = registry.counter("mlservice_predictions_total", "Rows predicted, by model.", ["model_key"]);
  const logWaiting = registry.gauge(
    "mlservice_prediction_log_buffered_rows",
    "Predictions answered but not yet written to the log in this process (lost on kill -9).",
  );
  const lossRows = registry.gauge(
    "mlservice_prediction_log_loss_window_rows",
    "Most predictions a kill -9 can lose per process (ML_PREDICTION_LOG_MAX_ROWS; 0 with ML_PREDICTION_LOG=sync).",
  );
  const lossMs = registry.gauge(
    "mlservice_prediction_log_loss_window_ms",
    "Longest a prediction waits unwritten, in ms (ML_PREDICTION_LOG_FLUSH_MS; 0 with ML_PREDICTION_LOG=sync).",
  );
  const uptime = registry.gauge("process_uptime_seconds", "Seconds since the service started.");
  const startTime = registry.gauge(
    "process_start_time_seconds",
    "Start time of the process since the Unix epoch, in seconds.",
  );
  const cpu = registry.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.");
  const fds = registry.gauge("process_open_fds", "Open file descriptors.");
  const build = registry.gauge("mlservice_build_info", "The running build: always 1, its facts in the labels.", [
    "version",
    "bun_version",
    "platform",
  ]);
  build.labels(VERSION, Bun.version, `${process.platform}-${process.arch}`).set(1);
  const modelInfo = registry.gauge("mlservice_model_info", "The serving version of each model: always 1.", [
    "model_key",
    "version",
    "task",
  ]);
  const modelScore = registry.gauge(
    "mlservice_model_score",
    "Scores of each model's serving version, from its training.",
    ["model_key", "version", "metric"],
  );
  const driftShare = registry.gauge(
    "mlservice_model_drift_share",
    "Share of features drifted in the model's latest daily drift check (0 when undecided).",
    ["model_key", "status"],
  );
  const driftChecked = registry.gauge(
    "mlservice_model_drift_check_timestamp_seconds",
    "When the model's latest drift check ran, since the Unix epoch, in seconds.",
    ["model_key"],
  );
  const alertsOpen = registry.gauge("mlservice_alerts_open", "Alerts not dismissed, by type and severity.", [
    "type",
    "severity",
  ]);
  const rss = registry.gauge("process_resident_memory_bytes", "Resident set size, in bytes.");
  const heap = registry.gauge("process_heap_used_bytes", "JavaScript heap in use, in bytes.");
  const dbBytes = registry.gauge(
    "mlservice_database_bytes",
    "Size of the database file (pages × page size), in bytes.",
  );
  const dbFree = registry.gauge(
    "mlservice_database_free_bytes",
    "Database pages free for reuse (left by deletes such as the retention sweep), in bytes.",
  );

  deps.bus.subscribe("queue:task_completed", (e) => {
    if (e.status !== "completed") return;
    const result = e.result as { training_time_s?: unknown; predictions?: unknown } | null | undefined;
    if ((e.type === "train" || e.type === "retrain") && typeof result?.training_time_s === "number") {
      training.labels().observe(result.training_time_s);
    }
  });
  const counted = new Map<string, number>();

  registry.collect(async () => {
    const log = deps.runtime.predictionLog;
    for (const [model, n] of log.added) {
      predictions.labels(model).inc(n - (counted.get(model) ?? 0));
      counted.set(model, n);
    }
    const sync = deps.config.ML_PREDICTION_LOG === "sync";
    logWaiting.labels().set(log.pending);
    lossRows.labels().set(sync ? 0 : log.window.rows);
    lossMs.labels().set(sync ? 0 : log.window.ms);
    const rows = await countJobsByState(deps.db);
    // zero every status of a type seen, so a drained queue reads 0 rather than vanishing
    for (const r of rows) for (const s of JOB_STATUSES) jobs.labels(s, r.type).set(0);
    for (const r of rows) jobs.labels(r.status, r.type).set(r.n);
    uptime.labels().set((Date.now() - deps.startedAt.getTime()) / 1000);
    const mem = process.memoryUsage();
    rss.labels().set(mem.rss);
    startTime.labels().set(deps.startedAt.getTime() / 1000);
    const cpuSeries = cpu.labels();
    cpuSeries.inc(Math.max(cpuSeconds() - cpuSeries.value, 0));
    const open = openFds();
    if (open !== null) fds.labels().set(open);
    // recomputed from scratch: a deleted model or a dismissed alert type leaves no stale series
    for (const g of [modelInfo, modelScore, driftShare, driftChecked, alertsOpen]) g.clear();
    for (const m of await modelSeries(deps.db)) {
      modelInfo.labels(m.model_key, m.version, m.task).set(1);
      for (const [metric, value] of Object.entries(m.scores))
        modelScore.labels(m.model_key, m.version, metric).set(value);
      if (m.drift) {
        driftShare.labels(m.model_key, m.drift.status).set(m.drift.share);
        driftChecked.labels(m.model_key).set(Date.parse(m.drift.checked_at) / 1000);
      }
    }
    // every type reads 0 when none is open, so an alert rule can say `> 0`
    for (const type of ALERT_TYPES) for (const severity of SEVERITIES) alertsOpen.labels(type, severity).set(0);
    for (const a of await countOpenAlerts(deps.db)) alertsOpen.labels(a.type, a.severity).set(a.n);
    heap.labels().set(mem.heapUsed);
    const size = await databaseSize(deps.db);
    dbBytes.labels().set(size.bytes);
    dbFree.labels().set(size.freeBytes);
  });

  /** Counts and times every request; mount first so auth failures and 404s count too. */
  const middleware: MiddlewareHandler<AppEnv> = async function requestMetrics(c, next) {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const last = matchedRoutes(c).at(-1);
    // an unknown path matches only app-wide middleware (method ALL): one series for all of them
    const route = last && last.method !== "ALL" ? last.path : "unmatched";
    observe(c.req.method, route, c.res.status, seconds);
  };

  /** One answered request: the middleware's, and the POST /predict fast path's (src/http/fast-predict.ts). */
  function observe(method: string, route: string, status: number, seconds: number, fast = false): void {
    const statusClass = STATUS_CLASS[Math.floor(status / 100)] ?? "other";
    requests.labels(method, route, statusClass).inc();
    latency.labels(method, route).observe(seconds);
    if (fast) fastPath.labels(statusClass).inc();
  }

  return { registry, middleware, observe };
}

export function metricsRoutes(metrics: ServiceMetrics) {
  return new Hono<AppEnv>().get(
    "/metrics",
    publicRoute(),
    responds({
      200: { media: "text/plain; version=0.0.4", schema: { type: "string", description: "Prometheus text format" } },
    }),
    async (c) =>
      c.body(await metrics.registry.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
}
