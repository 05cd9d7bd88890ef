/**
 * The single executable, as an operator uses it: built once, started from a temporary
 * directory, asked for /health, stopped with SIGTERM; and refusing bad starts with one line.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, startBinary } from "./binary-helpers";

let dir: string;
let binary: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mls-bin-"));
  binary = await compiledBinary();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the compiled binary", () => {
  test.each(["cpu", "webgpu"])(
    "trains iris offline with the %s backend",
    (backend) => {
      const data = join(import.meta.dir, "..", "..", "shared", "data");
      const proc = Bun.spawnSync(
        [binary, "train", "--csv", join(data, "iris_train.csv"), "--test", join(data, "iris_test.csv")].concat([
          "--target",
          "species",
          "--hidden",
          "16",
          "--epochs",
          "200",
          "--backend",
          backend,
          "--json",
        ]),
        { cwd: dir, env: { PATH: process.env.PATH ?? "", XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp" } },
      );
      const err = proc.stderr.toString();
      if (backend === "webgpu" && proc.exitCode !== 0 && /no WebGPU adapter|adapter/i.test(err) && !process.env.CI) {
        console.warn(`skipping: no WebGPU adapter here (${err.trim().split("\n").at(-1)})`);
        return;
      }
      expect(proc.exitCode).toBe(0);
      const summary = JSON.parse(proc.stdout.toString().trim().split("\n").at(-1) as string);
      expect(summary.backend).toBe(backend);
      expect(summary.metric_name).toBe("accuracy");
      expect(summary.metric).toBeGreaterThan(0.85);
    },
    120_000,
  );

  test("serves /health from another directory, creates its database there, and stops on SIGTERM", async () => {
    const cwd = mkdtempSync(join(dir, "run-"));
    const { proc, port } = await startBinary(binary, {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: cwd, ML_COMPUTE: "cpu" },
      token: "",
    });
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(200);
    const health = (await res.json()) as { status: string; compute: { device: string; reason: string } };
    expect(health.status).toBe("ok");
    // the native kernels are embedded in the binary and load from it (wasm here means a broken build)
    if (process.env.CI || health.compute.device.startsWith("native")) {
      expect(health.compute).toMatchObject({ device: expect.stringMatching(/^native \w+ × \d+ threads$/) });
    } else console.warn(`the binary runs wasm: ${health.compute.reason}`);
    expect(existsSync(join(cwd, "data", "ml_store.db"))).toBe(true);
    const stopping = performance.now();
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    // idle, it has nothing to drain: it must not sit out the shutdown grace period (10 s)
    expect(performance.now() - stopping).toBeLessThan(5000);
  }, 30_000);

  test("version runs without any setup", async () => {
    const proc = Bun.spawnSync([binary, "version"], { cwd: dir });
    expect(proc.exitCode).toBe(0);
    expect(proc.stdout.toString()).toMatch(/^mlservice \d+\.\d+\.\d+/);
  });

  test("a bad setting stops start-up with one line and exit 3", async () => {
    const bad = Bun.spawnSync([binary, "serve"], { cwd: dir, env: { ML_LOG_LEVEL: "loud" } });
    expect(bad.exitCode).toBe(3);
    const lines = bad.stderr.toString().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ML_LOG_LEVEL="loud": expected one of debug, info, warn, error');
  });

  test("a port in use stops start-up with one line and exit 1", async () => {
    const holder = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("busy") });
    try {
      const cwd = mkdtempSync(join(dir, "busy-"));
      const proc = Bun.spawnSync([binary, "serve"], {
        cwd,
        env: { ML_SERVICE_HOST: "127.0.0.1", ML_SERVICE_PORT: String(holder.port) },
      });
      expect(proc.exitCode).toBe(1);
      expect(proc.stderr.toString().trim()).toBe(
        `mlservice: port ${holder.port} on 127.0.0.1 is already in use; stop the other process or set ML_SERVICE_PORT`,
      );
    } finally {
      holder.stop(true);
    }
  });

  test("a database with a newer schema is refused and left byte-for-byte as it was", async () => {
    const cwd = mkdtempSync(join(dir, "newer-"));
    const file = join(cwd, "store.db");
    const db = new Database(file);
    db.exec("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, checksum TEXT, applied_at TEXT)");
    db.exec("INSERT INTO schema_migrations VALUES ('9999_from_the_future', 'x', '2030-01-01')");
    db.close();
    const before = readFileSync(file);
    const proc = Bun.spawnSync([binary, "migrate"], { cwd, env: { ML_DB_PATH: file } });
    expect(proc.exitCode).toBe(1);
    expect(proc.stderr.toString()).toContain("newer than this binary");
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
