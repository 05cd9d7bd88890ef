/**
 * `mlservice drift-check` from the compiled binary, beside a running server of the same binary
 * on the same database (SQLite WAL): the server trained a model and logged shifted traffic.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "../../scripts/build";
import { features, normalRows } from "./helpers";

const TOKEN = "d".repeat(40);
let dir: string;
let binary: string;
const env = () => ({
  PATH: process.env.PATH ?? "",
  ML_ADMIN_API_TOKEN: TOKEN,
  ML_ADMIN_PASSWORD: "Admin-pass-2025",
  ML_COMPUTE: "cpu",
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mls-drift-bin-"));
  binary = await buildBinary(join(dir, "mlservice"));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serve() {
  const proc = Bun.spawn([binary, "serve", "--port", "0", "--host", "127.0.0.1"], {
    cwd: dir,
    env: env(),
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`exited before listening: ${text}`);
    text += new TextDecoder().decode(value);
    const line = text.split("\n").find((l) => l.includes('"msg":"listening"'));
    if (line) {
      reader.releaseLock();
      const port = JSON.parse(line).port as number;
      // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
      const call = async (path: string, json?: unknown): Promise<any> => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          method: json === undefined ? "GET" : "POST",
          headers: { "x-admin-token": TOKEN, "content-type": "application/json" },
          ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        });
        return res.json();
      };
      return { proc, call };
    }
  }
}

describe("drift-check in the compiled binary", () => {
  test("finds the drift the server's traffic shows, exit 10, while the server runs", async () => {
    const server = await serve();
    try {
      const train = await server.call("/train", {
        model_key: "bin",
        target_field: "label",
        items: normalRows(1000, 31),
        hyperparameters: { hidden_layer_sizes: [16], max_iter: 30 },
      });
      for (let i = 0; i < 300; i++) {
        const job = await server.call(`/jobs/${train.job_id}`);
        if (job.status === "completed") break;
        if (job.status === "failed") throw new Error(job.error);
        await Bun.sleep(100);
      }
      const predicted = await server.call("/predict", { model_key: "bin", data: features(normalRows(500, 32, 2)) });
      expect(predicted.predictions).toHaveLength(500);
      await Bun.sleep(500); // the prediction log writes every 200 ms

      const check = Bun.spawn([binary, "drift-check", "--model", "bin", "--json", "--no-retrain"], {
        cwd: dir,
        env: env(),
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
      const alerts = await server.call("/health/alerts?model_key=bin");
      expect(alerts.items[0].type).toBe("drift_detected");
    } finally {
      server.proc.kill("SIGTERM");
      expect(await server.proc.exited).toBe(0);
    }
  }, 120_000);
});
