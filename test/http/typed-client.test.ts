/**
 * A client generated from the live /openapi.json with openapi-typescript is usable with
 * openapi-fetch: calls to train, predict and list models type-check, their answers have real
 * types (`predictions` is not `never`), and wrong calls (a string `limit`, a missing
 * `model_key`) do not compile.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { startService } from "../ml-service/helpers";

const ROOT = join(import.meta.dir, "..", "..");
const OUT = join(ROOT, "test-output", `typed-client-${process.pid}`);

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
  mkdirSync(OUT, { recursive: true });
});
afterAll(async () => {
  await svc.close();
  rmSync(OUT, { recursive: true, force: true });
});

/** Calls a user of the generated client would write; each @ts-expect-error must be an error. */
const USAGE = `import createClient from "openapi-fetch";
import type { paths } from "./api";

// the JSON answers (POST /predict?format=csv answers text/csv)
const client = createClient<paths, "application/json">({ baseUrl: "http://127.0.0.1:8085" });

export async function session(): Promise<void> {
  const trained = await client.POST("/train", {
    body: { model_key: "iris", target_field: "species", items: [{ sepal_length: 5.1, species: "setosa" }] },
  });
  if (trained.data) {
    const jobId: string = trained.data.job_id;
    const version: string = trained.data.version;
    void jobId;
    void version;
  }

  const predicted = await client.POST("/predict", { body: { model_key: "iris", data: [{ sepal_length: 5.1 }] } });
  if (predicted.data && "predictions" in predicted.data) {
    const first = predicted.data.predictions[0];
    const label: string | number | boolean | undefined = first?.prediction;
    const confidence: number | null | undefined = first?.confidence;
    // @ts-expect-error predictions is an array of objects, not never: assigning it to a string fails
    const wrong: string = predicted.data.predictions;
    void label;
    void confidence;
    void wrong;
  }
  if (predicted.error) {
    const message: string = predicted.error.error.message;
    void message;
  }

  const models = await client.GET("/models", { params: { query: { limit: 10, offset: 0 } } });
  if (models.data) {
    const keys: string[] = models.data.models.map((m) => m.model_key);
    const total: number = models.data.total;
    void keys;
    void total;
  }

  // @ts-expect-error limit is an integer, not text
  await client.GET("/models", { params: { query: { limit: "10" } } });
  // @ts-expect-error model_key is required
  await client.POST("/predict", { body: { data: [{ sepal_length: 5.1 }] } });
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ESNext",
    module: "Preserve",
    moduleResolution: "bundler",
    lib: ["ESNext", "DOM"],
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: true,
  },
  files: ["usage.ts"],
};

describe("a TypeScript client generated from /openapi.json", () => {
  test("type-checks calls to train, predict and list models", async () => {
    const doc = await (await svc.app.request("/openapi.json")).json();
    writeFileSync(join(OUT, "api.ts"), astToString(await openapiTS(doc)));
    writeFileSync(join(OUT, "usage.ts"), USAGE);
    writeFileSync(join(OUT, "tsconfig.json"), JSON.stringify(TSCONFIG));
    const tsc = Bun.spawnSync([process.execPath, join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", OUT], {
      cwd: ROOT,
      env: { ...process.env, BUN_BE_BUN: "1" },
    });
    const out = `${tsc.stdout.toString()}${tsc.stderr.toString()}`;
    expect(out).toBe("");
    expect(tsc.exitCode).toBe(0);
  }, 60_000);
});
