/**
 * The whole path through HTTP, as a client of the service lives it: upload the digits CSV,
 * train from it, follow the job over /ws, predict (sync and as a job), export, check quality,
 * train a second version, roll back, restart the service and predict again with the same answers.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freshPostgres, type TestPostgres, testDialects } from "../pg";
import { ADMIN_TOKEN, csvRows, DATA, startService } from "./helpers";

const ENV: Record<string, string> = { ML_SYNC_PREDICT_MAX_ROWS: "100" };
let dir = "";
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
type Json = any;

async function call(url: string, path: string, init: { method?: string; json?: unknown; body?: BodyInit } = {}) {
  const headers: Record<string, string> = { "x-admin-token": ADMIN_TOKEN };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (init.json !== undefined || init.body ? "POST" : "GET"),
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : (init.body ?? null),
  });
  const text = await res.text();
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, text, headers: res.headers };
}

describe.each(testDialects())("digits end to end over HTTP on %s", (dialect) => {
  let pg: TestPostgres | null = null;
  afterAll(() => pg?.drop());

  test("upload → train (followed over /ws) → predict → export → quality → v2 → rollback → restart → same answers", async () => {
    if (dialect === "postgres") {
      pg = await freshPostgres();
      ENV.ML_DATABASE_URL = pg.url;
    } else delete ENV.ML_DATABASE_URL;
    const svc = await startService(ENV);
    dir = svc.dir;
    const { url, port } = svc.listen();

    // upload the CSV as a browser or curl would (multipart)
    const form = new FormData();
    form.append("file", Bun.file(join(DATA, "digits_train.csv")), "digits_train.csv");
    const upload = await call(url, "/datasets/upload", { body: form });
    expect(upload.status).toBe(201);
    expect(upload.body.row_count).toBe(1437);
    expect(upload.body.columns).toHaveLength(65);

    // follow the job over the WebSocket
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${ADMIN_TOKEN}`);
    const seen: Json[] = [];
    ws.addEventListener("message", (e) => seen.push(JSON.parse(String(e.data))));
    await new Promise((resolve) => ws.addEventListener("open", resolve, { once: true }));

    const train = await call(url, "/train", {
      json: {
        model_key: "digits",
        target_field: "label",
        dataset_id: upload.body.id,
        hyperparameters: { max_iter: 60, random_state: 7 },
      },
    });
    expect(train.status).toBe(202);
    const jobId = train.body.job_id;
    ws.send(JSON.stringify({ type: "queue:subscribe", job_id: jobId }));
    const done = await waitFor(() => seen.find((m) => m.type === "queue:task_completed" && m.data.job_id === jobId));
    expect(done.data.status).toBe("completed");
    expect(seen.some((m) => m.type === "queue:task_started" && m.data.job_id === jobId)).toBe(true);
    // however fast the fit, its training progress reaches the client (sent before, or replayed on subscribe)
    const progress = await waitFor(() =>
      seen.find((m) => m.type === "queue:task_progress" && m.data.job_id === jobId && m.data.detail?.epoch >= 1),
    );
    expect(progress.data.detail.max_epochs).toBe(60);
    ws.close();

    const job = await call(url, `/jobs/${jobId}`);
    expect(job.body.result.metrics.accuracy).toBeGreaterThan(0.93);

    // predict: 10 rows synchronously, 360 rows as a job (over ML_SYNC_PREDICT_MAX_ROWS = 100)
    const testRows = csvRows("digits_test.csv");
    const rows = testRows.map(({ label: _, ...f }) => f);
    const sync = await call(url, "/predict", { json: { model_key: "digits", data: rows.slice(0, 10) } });
    expect(sync.status).toBe(200);
    expect(sync.body.predictions).toHaveLength(10);
    const batch = await call(url, "/predict", { json: { model_key: "digits", data: rows } });
    expect(batch.status).toBe(202);
    await svc.runtime.jobs.idle();
    const result = await call(url, `/predict/${batch.body.job_id}`);
    expect(result.body.status).toBe("completed");
    const labels = result.body.result.predictions.map((p: Json) => String(p.prediction));
    const accuracy = labels.filter((l: string, i: number) => l === String(testRows[i]?.label)).length / labels.length;
    expect(accuracy).toBeGreaterThan(0.93);
    expect(labels.slice(0, 10)).toEqual(sync.body.predictions.map((p: Json) => String(p.prediction)));

    const csv = await call(url, `/predict/${batch.body.job_id}?format=csv`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = csv.text.trim().split("\n");
    expect(lines).toHaveLength(361);
    expect(lines[0]).toStartWith("prediction_id,prediction,confidence,score_0,score_1");

    const quality = await call(url, "/quality", { json: { model_key: "digits", items: testRows } });
    expect(quality.body.metrics.accuracy).toBeCloseTo(accuracy, 10);

    // a second version, then back to the first
    const v2 = await call(url, "/train", {
      json: {
        model_key: "digits",
        target_field: "label",
        dataset_id: upload.body.id,
        hyperparameters: { max_iter: 3, hidden_layer_sizes: [8] },
      },
    });
    expect(v2.body.version).toBe("1.1.0");
    await svc.runtime.jobs.idle();
    expect((await call(url, "/models/digits")).body.active_version).toBe("1.1.0");
    expect((await call(url, "/models/digits/rollback/1.0.0", { method: "POST" })).body.active_version).toBe("1.0.0");
    const before = await call(url, "/predict", { json: { model_key: "digits", data: rows.slice(0, 20) } });
    expect(before.body.version).toBe("1.0.0");

    // restart over the same files: the same version serves the same answers
    await svc.close(true);
    const again = await startService(ENV, dir);
    const after = await call(again.listen().url, "/predict", {
      json: { model_key: "digits", data: rows.slice(0, 20) },
    });
    expect(after.body.version).toBe("1.0.0");
    expect(after.body.predictions.map((p: Json) => [p.prediction, p.all_scores])).toEqual(
      before.body.predictions.map((p: Json) => [p.prediction, p.all_scores]),
    );
    await again.close(true);
  }, 120_000);
});

async function waitFor<T>(find: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > until) throw new Error("timed out waiting");
    await Bun.sleep(20);
  }
}
