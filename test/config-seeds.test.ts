/**
 * The seed documents' .env files, read from the documents themselves, start the service: every
 * value parses, the settings this service takes are honoured, and the rest are named in the
 * start-up warning with what to use instead; an unknown ML_* name (a typo) is warned about.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configWarnings, loadConfig } from "../src/config";
import { startService } from "./ml-service/helpers";

const SEEDS = join(import.meta.dir, "..", "..", "shared", "seeds");

/** The fenced block of seed `n` that sets ML_LOG_LEVEL: the document's .env. */
function seedEnv(n: string): string {
  const file = readdirSync(SEEDS).find((f) => f.startsWith(`${n}_`)) as string;
  const text = readFileSync(join(SEEDS, file), "utf8");
  const blocks: string[] = [];
  let open: string[] | null = null;
  for (const line of text.split("\n")) {
    if (line.trimStart().startsWith("```")) {
      if (open) blocks.push(open.join("\n"));
      open = open ? null : [];
    } else open?.push(line);
  }
  return blocks.find((b) => /^ML_LOG_LEVEL=/m.test(b)) ?? "";
}

describe("seed .env files", () => {
  test.each(["000", "001"])("seed %s's .env loads, log level INFO included", (n) => {
    const text = seedEnv(n);
    expect(text).toContain("ML_LOG_LEVEL=INFO");
    const c = loadConfig({}, text);
    expect(c.ML_LOG_LEVEL).toBe("info");
    expect(c.ML_HIDDEN_LAYER_SIZES).toEqual([512, 256, 128]);
    expect(c.ML_LARGE_DATASET_HIDDEN_LAYERS).toEqual([1024, 512, 256, 128]);
    expect(c.ML_BATCH_SIZE).toBe("auto");
    // the documents' placeholder token is no credential: X-Admin-Token stays off, and start-up says so
    expect(c.ML_ADMIN_API_TOKEN).toBe("");
    expect(configWarnings({}, text)).toContain(
      "ML_ADMIN_API_TOKEN: the seed's placeholder, read as unset; set a real value to turn it on",
    );
  });

  test("seed 001's split database paths: the models one is the database, the others are named in the warning", () => {
    const text = seedEnv("001");
    expect(loadConfig({}, text).ML_DB_PATH).toBe("./databases/models.db");
    expect(loadConfig({ ML_DB_PATH: "/x.db" }, text).ML_DB_PATH).toBe("/x.db");
    const warned = configWarnings({}, text);
    for (const name of ["ML_DB_USERS_PATH", "ML_DB_LOGS_PATH", "ML_DB_TIMEOUT", "ML_MIN_WORKERS", "ML_MODELS_PATH"]) {
      expect(warned.some((w) => w.startsWith(`${name}:`))).toBe(true);
    }
    expect(warned.find((w) => w.startsWith("ML_DB_USERS_PATH"))).toContain("ML_DB_PATH");
    // settings this service takes are not warned about
    expect(warned.some((w) => /^ML_(HIDDEN_LAYER_SIZES|BATCH_SIZE|SOLVER|ACTIVATION)\b/.test(w))).toBe(false);
  });

  test("log levels in any case, and Python's WARNING/CRITICAL", () => {
    expect(loadConfig({ ML_LOG_LEVEL: "Debug" }).ML_LOG_LEVEL).toBe("debug");
    expect(loadConfig({ ML_LOG_LEVEL: "WARNING" }).ML_LOG_LEVEL).toBe("warn");
    expect(loadConfig({ ML_LOG_LEVEL: "CRITICAL" }).ML_LOG_LEVEL).toBe("error");
    expect(() => loadConfig({ ML_LOG_LEVEL: "loud" })).toThrow(/ML_LOG_LEVEL="loud"/);
  });

  test("layer lists in the seed's tuple form or plain; bad ones stop start-up", () => {
    expect(loadConfig({ ML_HIDDEN_LAYER_SIZES: "64,32" }).ML_HIDDEN_LAYER_SIZES).toEqual([64, 32]);
    expect(loadConfig({ ML_HIDDEN_LAYER_SIZES: "[16]" }).ML_HIDDEN_LAYER_SIZES).toEqual([16]);
    expect(loadConfig({}).ML_HIDDEN_LAYER_SIZES).toEqual([]);
    expect(() => loadConfig({ ML_HIDDEN_LAYER_SIZES: "(512, big)" })).toThrow(/ML_HIDDEN_LAYER_SIZES/);
    expect(() => loadConfig({ ML_HIDDEN_LAYER_SIZES: "0" })).toThrow(/from 1 to 8192/);
    expect(() => loadConfig({ ML_BATCH_SIZE: "lots" })).toThrow(/ML_BATCH_SIZE="lots": expected auto or an integer/);
  });

  test("an unknown ML_* name is warned about with the nearest known one; other variables are not", () => {
    const warned = configWarnings({ ML_SERVICE_PROT: "9000", PATH: "/bin", ML_SOLVER: "lbfgs" });
    expect(warned).toEqual([
      "ML_SERVICE_PROT: unknown setting (did you mean ML_SERVICE_PORT?)",
      'ML_SOLVER="lbfgs": only adam is implemented',
    ]);
    expect(configWarnings({ ML_SOLVER: "adam", ML_SERVICE_PORT: "1" })).toEqual([]);
  });

  test("ML_HIDDEN_LAYER_SIZES and ML_BATCH_SIZE are the defaults a training request without them gets", async () => {
    const svc = await startService({ ML_HIDDEN_LAYER_SIZES: "(7, 5)", ML_BATCH_SIZE: "16" });
    try {
      const items = Array.from({ length: 40 }, (_, i) => ({ x: i, y: i % 2 === 0 ? "even" : "odd" }));
      const res = await svc.request("/train", { json: { model_key: "layered", target_field: "y", items } });
      expect(res.status).toBe(202);
      await svc.waitJob(res.body.job_id, 60_000);
      const versions = (await svc.request("/models/layered/versions")).body.items;
      expect(versions[0].hyperparameters).toMatchObject({ hidden_layer_sizes: [7, 5], batch_size: 16 });
      const own = await svc.request("/train", {
        json: { model_key: "layered", target_field: "y", items, hyperparameters: { hidden_layer_sizes: [3] } },
      });
      await svc.waitJob(own.body.job_id, 60_000);
      const again = (await svc.request("/models/layered/versions")).body.items;
      expect(again[0].hyperparameters.hidden_layer_sizes).toEqual([3]);
    } finally {
      await svc.close();
    }
  });
});
