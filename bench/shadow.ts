/**
 * What a shadow costs the live answer: single-row POST /predict on digits (64 features), in
 * process (app.request, no sockets), sequential, with the model's shadow stopped and started in
 * alternating rounds so both sides see the same machine noise. The shadow predicts off the
 * response path, but in the same process: its work shares the event loop with the next request.
 * Reported: p50/p99 latency per side and the median of the paired per-round p50 ratios, and how
 * many shadow rows were written.
 *
 *   bun bench/shadow.ts [--rounds 6] [--requests 400]
 */

import { csvRows, startService } from "../test/ml-service/helpers";
import { signedInUser } from "../test/ml-service/people";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const ROUNDS = arg("rounds", 6);
const REQUESTS = arg("requests", 400);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const median = (xs: number[]) => quantile(xs, 0.5);

const svc = await startService();
try {
  const user = await signedInUser(svc, "bench");
  const items = csvRows("digits_train.csv");
  const rows = csvRows("digits_test.csv").map(({ label: _, ...f }) => f);
  for (const hyperparameters of [{ max_iter: 20 }, { max_iter: 20, hidden_layer_sizes: [64] }]) {
    const res = await user.send("/train", {
      json: { model_key: "digits", target_field: "label", items, hyperparameters },
    });
    const job = await svc.waitJob(res.body.job_id);
    if (job.status !== "completed") throw new Error(`training failed: ${JSON.stringify(job)}`);
  }
  await user.send("/models/digits/aliases/challenger", { method: "PUT", json: { version: "1.0.0" } });
  const bodies = rows.map((r) => JSON.stringify({ model_key: "digits", data: [r] }));
  const headers = { authorization: `Bearer ${user.token}`, "content-type": "application/json" };

  async function round(): Promise<number[]> {
    const ms: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now();
      const res = await svc.app.request("/predict", { method: "POST", headers, body: bodies[i % bodies.length] });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`/predict answered ${res.status}`);
      ms.push(performance.now() - t0);
    }
    await svc.runtime.shadow.drain();
    await svc.runtime.predictionLog.flush();
    return ms;
  }

  await round(); // warm-up: both versions loaded, JIT warm
  const off: number[] = [];
  const on: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await user.send("/models/digits/shadow", { method: "DELETE" });
    const a = await round();
    await user.send("/models/digits/shadow", { method: "PUT", json: { alias: "challenger" } });
    const b = await round();
    off.push(...a);
    on.push(...b);
    ratios.push(median(b) / median(a));
  }
  const written = svc.runtime.shadow.counts.written;
  const fmt = (xs: number[]) => `p50 ${median(xs).toFixed(3)} ms, p99 ${quantile(xs, 0.99).toFixed(3)} ms`;
  console.log(`single-row /predict, digits, ${ROUNDS} rounds × ${REQUESTS} requests per side`);
  console.log(`  shadow off: ${fmt(off)}`);
  console.log(`  shadow on:  ${fmt(on)}  (${written} shadow predictions written)`);
  console.log(`  p50 on/off, median of paired rounds: ${median(ratios).toFixed(3)}`);
} finally {
  await svc.close();
}
