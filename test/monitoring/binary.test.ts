/**
 * `mlservice drift-check` from the compiled binary, beside a running server of the same binary
 * on the same database (SQLite WAL): the server trained a model and logged shifted traffic.
 */
import { describe, expect, test } from "bun:test";
import { binaryServer } from "../binary-helpers";
import { features, normalRows } from "./helpers";

const TOKEN = "d".repeat(40);
const bin = binaryServer("mls-drift-bin-", TOKEN);
const serve = bin.serve;

describe("drift-check in the compiled binary", () => {
  test("finds the drift the server's traffic shows, exit 10, while the server runs", async () => {
    const server = await serve();
    const call = async (path: string, json?: unknown) => (await server.call(path, json)).body;
    try {
      const train = await call("/train", {
        model_key: "bin",
        target_field: "label",
        items: normalRows(1000, 31),
        hyperparameters: { hidden_layer_sizes: [16], max_iter: 30 },
      });
      for (let i = 0; i < 300; i++) {
        const job = await call(`/jobs/${train.job_id}`);
        if (job.status === "completed") break;
        if (job.status === "failed") throw new Error(job.error);
        await Bun.sleep(100);
      }
      const predicted = await call("/predict", { model_key: "bin", data: features(normalRows(500, 32, 2)) });
      expect(predicted.predictions).toHaveLength(500);
      await Bun.sleep(500); // the prediction log writes every 200 ms

      const check = Bun.spawn([bin.binary, "drift-check", "--model", "bin", "--json", "--no-retrain"], {
        cwd: bin.dir,
        env: bin.env(),
        stdout: "pipe",
        stderr: "pipe",
      });
      const code = await check.exited;
      const out = await new Response(check.stdout).text();
      expect(code).toBe(10);
      const body = JSON.parse(out);
      expect(body.results[0]).toMatchObject({ model_key: "bin", version: "1.0.0", drifted: true, rows: 500 });
      expect(body.results[0].drifted_features).toContain("x0");
      // the server sees what the CLI wrote
      const alerts = await call("/health/alerts?model_key=bin");
      expect(alerts.alerts[0].type).toBe("drift_detected");
    } finally {
      server.proc.kill("SIGTERM");
      expect(await server.proc.exited).toBe(0);
    }
  }, 120_000);
});
