import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { raiseAlert } from "../../src/monitoring/alerts";
import { VERSION } from "../../src/version";
import { csvRows, startService } from "../ml-service/helpers";
import { type Family, parseExposition, sampleValue } from "./prometheus-parser";

describe("GET /metrics, read by prometheus_client's parser", () => {
  let svc: Awaited<ReturnType<typeof startService>>;
  let startedBefore: number;
  let startedAfter: number;
  let families: Family[];
  let trained: { version: string; accuracy: number };

  beforeAll(async () => {
    startedBefore = Date.now() / 1000;
    svc = await startService();
    startedAfter = Date.now() / 1000;
    const train = await svc.request("/train", {
      json: {
        model_key: "iris-p",
        target_field: "species",
        items: csvRows("iris_train.csv"),
        hyperparameters: { max_iter: 20 },
      },
    });
    const job = await svc.waitJob(train.body.job_id);
    expect(job.status).toBe("completed");
    trained = { version: job.version, accuracy: job.result.metrics.accuracy };
    const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f)[0];
    expect((await svc.request("/predict", { json: { model_key: "iris-p", data: probe } })).status).toBe(200);
    await svc.db
      .insertInto("drift_checks")
      .values({
        model_key: "iris-p",
        check_date: "2026-03-01",
        version: trained.version,
        status: "decided",
        drifted: 1,
        reason: "2 of 4 features drifted",
        rows: 800,
        share_drifted: 0.5,
        window_start: "2026-02-28T12:00:00.000Z",
        window_end: "2026-03-01T12:00:00.000Z",
        report: "{}",
        created_at: "2026-03-01T12:00:00.000Z",
      })
      .execute();
    const alerts = { db: svc.db, bus: svc.bus, now: () => new Date() };
    const base = { modelKey: "iris-p", version: trained.version, message: "m" } as const;
    await raiseAlert(alerts, { ...base, type: "drift_detected", severity: "warning" });
    await raiseAlert(alerts, { ...base, type: "drift_detected", severity: "warning" });
    await raiseAlert(alerts, { ...base, type: "queue_backup", severity: "critical" });
    const res = await svc.app.request("/metrics");
    expect(res.status).toBe(200);
    families = await parseExposition(await res.text());
  });
  afterAll(() => svc.close());

  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);

  test("standard process metrics, with the standard types", () => {
    const type = (name: string) => families.find((f) => f.name === name)?.type;
    expect(type("process_cpu_seconds")).toBe("counter");
    expect(type("process_start_time_seconds")).toBe("gauge");
    expect(value("process_start_time_seconds")).toBeGreaterThanOrEqual(Math.floor(startedBefore));
    expect(value("process_start_time_seconds")).toBeLessThanOrEqual(startedAfter);
    expect(value("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(1e6);
    if (process.platform === "linux") expect(value("process_open_fds")).toBeGreaterThan(2);
  });

  test("the build, each model's serving version, its scores and latest drift share", () => {
    expect(value("mlservice_build_info", { version: VERSION, bun_version: Bun.version })).toBe(1);
    expect(
      value("mlservice_model_info", { model_key: "iris-p", version: trained.version, task: "classification" }),
    ).toBe(1);
    expect(value("mlservice_model_score", { model_key: "iris-p", metric: "accuracy" })).toBe(trained.accuracy);
    expect(value("mlservice_model_drift_share", { model_key: "iris-p", status: "decided" })).toBe(0.5);
    expect(value("mlservice_model_drift_check_timestamp_seconds", { model_key: "iris-p" })).toBe(
      Date.parse("2026-03-01T12:00:00.000Z") / 1000,
    );
  });

  test("open alerts by type and severity, zero for the types with none", () => {
    expect(value("mlservice_alerts_open", { type: "drift_detected", severity: "warning" })).toBe(2);
    expect(value("mlservice_alerts_open", { type: "queue_backup", severity: "critical" })).toBe(1);
    expect(value("mlservice_alerts_open", { type: "high_error_rate", severity: "warning" })).toBe(0);
  });

  test("request latency buckets start at 0.1 ms and are cumulative up to +Inf = count", () => {
    const labels = { method: "POST", route: "/predict" };
    const buckets = families
      .find((f) => f.name === "http_request_duration_seconds")
      ?.samples.filter(
        (s) =>
          s.name === "http_request_duration_seconds_bucket" &&
          s.labels.route === "/predict" &&
          s.labels.method === "POST",
      );
    expect(buckets?.[0]?.labels.le).toBe("0.0001");
    const counts = (buckets ?? []).map((s) => s.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(buckets?.at(-1)?.labels.le).toBe("+Inf");
    expect(counts.at(-1)).toBe(value("http_request_duration_seconds_count", labels) ?? -1);
    expect(counts.at(-1)).toBe(1);
  });
});
