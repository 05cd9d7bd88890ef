/**
 * Server time of every dashboard page with 1,000 models, 1,000 jobs and 1,000 audit events in
 * the database (the pages are paged). Target: ≤ 20 ms each. Also prints the gzip size of the
 * JS and CSS a page loads (target ≤ 30 KB).
 *
 *   bun bench/pages.ts
 */
import { assetSizes } from "../src/http/ui/assets";
import { ADMIN, ADMIN_PASSWORD, Browser, startUi } from "../test/ui/helpers";

const N = 1000;
const RUNS = 30;

const svc = await startUi();
const at = new Date().toISOString();
const metrics = JSON.stringify({
  accuracy: 0.93,
  f1_macro: 0.92,
  confusion_matrix: {
    labels: ["a", "b"],
    matrix: [
      [9, 1],
      [0, 10],
    ],
  },
});
for (let i = 0; i < N; i += 250) {
  const slice = Array.from({ length: Math.min(250, N - i) }, (_, k) => i + k);
  await svc.db
    .insertInto("models")
    .values(
      slice.map((k) => ({
        model_key: `model_${String(k).padStart(4, "0")}`,
        task_type: "classification" as const,
        target_field: "y",
        active_version: "1.0.0",
        created_at: at,
        updated_at: at,
      })),
    )
    .execute();
  await svc.db
    .insertInto("model_versions")
    .values(
      slice.map((k) => ({
        model_key: `model_${String(k).padStart(4, "0")}`,
        version: "1.0.0",
        status: "ready" as const,
        feature_fields: "[]",
        hyperparameters: "{}",
        metrics,
        created_at: at,
        completed_at: at,
      })),
    )
    .execute();
  await svc.db
    .insertInto("jobs")
    .values(
      slice.map((k) => ({
        id: `job_bench_${k}`,
        type: "train" as const,
        status: k < 5 ? ("queued" as const) : ("completed" as const),
        model_key: `model_${String(k).padStart(4, "0")}`,
        version: "1.0.0",
        params: "{}",
        progress: 1,
        created_at: at,
      })),
    )
    .execute();
  await svc.db
    .insertInto("events")
    .values(
      slice.map((k) => ({
        time: at,
        type: "http:request",
        source: "api" as const,
        actor: "admin",
        method: "GET",
        path: `/models/${k}`,
        status: 200,
        suspicious: k % 50 === 0 ? 1 : 0,
      })),
    )
    .execute();
}

const b = new Browser(svc.app);
await b.signIn(ADMIN, ADMIN_PASSWORD);
const pages = [
  "/ui",
  "/ui/models",
  "/ui/models/model_0500",
  "/ui/train",
  "/ui/predict",
  "/ui/jobs",
  "/ui/jobs/job_bench_1",
  "/ui/datasets",
  "/ui/drift",
  "/ui/alerts",
  "/ui/metrics",
  "/ui/events",
  "/ui/events?suspicious=true",
  "/ui/users",
  "/ui/profile",
  "/ui/about",
  "/ui/login",
];
console.log(`page server time over ${RUNS} requests (${N} models, jobs and events)`);
console.log("page".padEnd(32), "median ms".padStart(10), "p95 ms".padStart(8), "max ms".padStart(8), "KB".padStart(6));
let worst = 0;
for (const path of pages) {
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await b.get(path);
    times.push(performance.now() - t0);
    size = res.text.length;
    if (res.status !== 200 && !(path === "/ui/login" && res.status === 303)) throw new Error(`${path}: ${res.status}`);
  }
  times.sort((x, y) => x - y);
  const med = times[RUNS >> 1] as number;
  const p95 = times[Math.floor(RUNS * 0.95)] as number;
  worst = Math.max(worst, p95);
  console.log(
    path.padEnd(32),
    med.toFixed(2).padStart(10),
    p95.toFixed(2).padStart(8),
    (times.at(-1) as number).toFixed(2).padStart(8),
    (size / 1024).toFixed(1).padStart(6),
  );
}
const assets = assetSizes();
const gzip = assets.reduce((s, a) => s + a.gzip, 0);
for (const a of assets) console.log(`${a.path}: ${a.bytes} B, ${a.gzip} B gzip`);
console.log(`JS+CSS per page: ${(gzip / 1024).toFixed(1)} KB gzip (target ≤ 30 KB)`);
console.log(`worst p95 page time: ${worst.toFixed(2)} ms (target ≤ 20 ms)`);
await svc.close();
