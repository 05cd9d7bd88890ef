/**
 * clients/python/example.py (the one-file, standard-library client) against the compiled
 * binary: upload, train, predict, list models and a drift check through Python's urllib.
 * CI installs python3 (.ci/run); a machine without it skips this file.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { binaryServer, startBinary } from "./binary-helpers";

const TOKEN = "y".repeat(40);
const f = binaryServer("mls-python-client-", TOKEN);
const python = Bun.which("python3");
const EXAMPLE = join(import.meta.dir, "..", "clients", "python", "example.py");

describe.skipIf(!python && !process.env.CI)("the Python client", () => {
  test("runs its example against the compiled binary", async () => {
    const server = await startBinary(f.binary, { cwd: f.dir, env: f.env(), token: TOKEN });
    try {
      const run = Bun.spawn([python ?? "python3", EXAMPLE], {
        env: {
          PATH: process.env.PATH ?? "",
          ML_SERVICE_URL: `http://127.0.0.1:${server.port}`,
          ML_ADMIN_API_TOKEN: TOKEN,
          ML_EXAMPLE_MODEL: "py-clusters",
          PYTHONDONTWRITEBYTECODE: "1",
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, err, code] = await Promise.all([
        new Response(run.stdout).text(),
        new Response(run.stderr).text(),
        run.exited,
      ]);
      expect({ code, err }).toEqual({ code: 0, err: "" });
      expect(out).toContain("ready: True");
      expect(out).toContain("trained: completed");
      expect(out.match(/^prediction: (low|high) confidence/gm)).toEqual([
        "prediction: low confidence",
        "prediction: high confidence",
      ]);
      expect(out).toContain("unknown model answers: 404 not_found");
      // what the client did is there when asked without it
      const models = await server.call("/models");
      expect(models.body.models.map((m: { model_key: string }) => m.model_key)).toContain("py-clusters");
      const datasets = await server.call("/datasets");
      expect(datasets.body.items[0]).toMatchObject({ name: "py-clusters-data", row_count: 120 });
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc.exited;
    }
  }, 120_000);
});
