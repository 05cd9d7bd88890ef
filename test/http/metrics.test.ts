import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { escapeLabelValue, Registry } from "../../src/http/metrics";
import { csvRows, startService } from "../ml-service/helpers";

/** Exposition text → { 'name{labels}': value }, checking every line is a comment or a sample. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    samples.set(m[1] as string, m[2] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[2]));
  }
  return samples;
}

describe("Registry", () => {
  test("renders counters, gauges and cumulative histogram buckets", async () => {
    const r = new Registry();
    const c = r.counter("things_total", "Things.\nMany.", ["kind"]);
    c.labels("a").inc();
    c.labels("a").inc(2);
    r.gauge("level", "Level.").labels().set(-1.5);
    const h = r.histogram("wait_seconds", "Waits.", ["op"], [1, 0.1]);
    for (const x of [0.05, 0.1, 0.5, 3]) h.labels("x").observe(x);
    const text = await r.render();
    expect(text).toContain("# HELP things_total Things.\\nMany.\n# TYPE things_total counter\n");
    expect(text).toContain("# TYPE wait_seconds histogram\n");
    const s = parse(text);
    expect(s.get('things_total{kind="a"}')).toBe(3);
    expect(s.get("level")).toBe(-1.5);
    expect(s.get('wait_seconds_bucket{op="x",le="0.1"}')).toBe(2);
    expect(s.get('wait_seconds_bucket{op="x",le="1"}')).toBe(3);
    expect(s.get('wait_seconds_bucket{op="x",le="+Inf"}')).toBe(4);
    expect(s.get('wait_seconds_count{op="x"}')).toBe(4);
    expect(s.get('wait_seconds_sum{op="x"}')).toBeCloseTo(3.65, 10);
  });

  test("escapes backslashes, quotes and newlines in label values", async () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const r = new Registry();
    r.counter("odd_total", "Odd.", ["v"]).labels('say "hi"\\\n').inc();
    const text = await r.render();
    expect(text).toContain('odd_total{v="say \\"hi\\"\\\\\\n"} 1\n');
    expect(parse(text).size).toBe(1);
  });

  test("refuses negative counter steps, wrong label counts and duplicate names", () => {
    const r = new Registry();
    const c = r.counter("x_total", "X.", ["a"]);
    expect(() => c.labels("1").inc(-1)).toThrow();
    expect(() => c.labels("1", "2")).toThrow();
    expect(() => r.gauge("x_total", "again")).toThrow();
    expect(() => r.histogram("h", "H.", ["le"], [1])).toThrow();
  });
});

describe("GET /metrics", () => {
  let svc: Awaited<ReturnType<typeof startService>>;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(() => svc.close());

  const scrape = async () => {
    const res = await svc.app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    return parse(await res.text());
  };

  test("is public and counts requests by route pattern, not raw path", async () => {
    const before = await scrape();
    const key = 'http_requests_total{method="GET",route="/jobs/:id",status="4xx"}';
    await svc.request("/jobs/job_a");
    await svc.request("/jobs/job_b");
    await svc.app.request("/jobs/job_c"); // no credentials: 401, same series
    await svc.app.request("/no/such/path");
    const after = await scrape();
    expect((after.get(key) ?? 0) - (before.get(key) ?? 0)).toBe(3);
    expect([...after.keys()].some((k) => k.includes("job_a"))).toBe(false);
    expect(after.get('http_requests_total{method="GET",route="unmatched",status="4xx"}')).toBeGreaterThanOrEqual(1);
    expect(after.get('http_request_duration_seconds_count{method="GET",route="/jobs/:id"}')).toBeGreaterThanOrEqual(3);
    expect(after.get("process_resident_memory_bytes")).toBeGreaterThan(1e6);
    expect(after.get("process_uptime_seconds")).toBeGreaterThanOrEqual(0);
  });

  test("jobs by status, training durations and predictions per model move with the work", async () => {
    const iris = csvRows("iris_train.csv");
    const train = await svc.request("/train", {
      json: { model_key: "iris-m", target_field: "species", items: iris, hyperparameters: { max_iter: 20 } },
    });
    expect(train.status).toBe(202);
    expect((await svc.waitJob(train.body.job_id)).status).toBe("completed");
    const probe = csvRows("iris_test.csv")
      .slice(0, 7)
      .map(({ species: _, ...f }) => f);
    expect((await svc.request("/predict", { json: { model_key: "iris-m", data: probe } })).status).toBe(200);
    expect((await svc.request("/predict", { json: { model_key: "iris-m", data: probe[0] } })).status).toBe(200);
    const s = await scrape();
    expect(s.get('mlservice_jobs{status="completed",type="train"}')).toBe(1);
    expect(s.get('mlservice_jobs{status="queued",type="train"}')).toBe(0);
    expect(s.get("mlservice_training_duration_seconds_count")).toBe(1);
    expect(s.get("mlservice_training_duration_seconds_sum")).toBeGreaterThan(0);
    expect(s.get('mlservice_predictions_total{model_key="iris-m"}')).toBe(8);
    expect(s.get('http_requests_total{method="POST",route="/predict",status="2xx"}')).toBe(2);
  });
});
