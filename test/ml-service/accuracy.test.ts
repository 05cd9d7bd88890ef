/**
 * Accuracy through the API matches the offline CLI's on the shared iris and digits sets:
 * the same architecture, epochs and seed, scored on the same test file (POST /quality).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Io } from "../../src/cli/io";
import { run as trainCli } from "../../src/cli/train";
import { csvRows, DATA, startService } from "./helpers";

let svc: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

async function cliAccuracy(name: string, target: string, hidden: string, epochs: number): Promise<number> {
  const out: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: () => {},
    write: () => {},
    isTTY: false,
    env: { ML_COMPUTE: "cpu" },
    cwd: process.cwd(),
  };
  const args = ["--csv", join(DATA, `${name}_train.csv`), "--test", join(DATA, `${name}_test.csv`), "--target", target];
  const code = await trainCli(
    [
      ...args,
      "--hidden",
      hidden,
      "--epochs",
      String(epochs),
      "--seed",
      "3",
      "--no-early-stopping",
      "--backend",
      "cpu",
      "--json",
    ],
    io,
  );
  expect(code).toBe(0);
  return JSON.parse(out.at(-1) as string).metric as number;
}

async function apiAccuracy(name: string, target: string, hidden: number[], epochs: number): Promise<number> {
  const res = await svc.request("/train", {
    json: {
      model_key: name,
      target_field: target,
      items: csvRows(`${name}_train.csv`),
      early_stopping: false,
      validation_split: 0.05,
      hyperparameters: { hidden_layer_sizes: hidden, max_iter: epochs, random_state: 3 },
    },
  });
  expect(res.status).toBe(202);
  await svc.runtime.jobs.idle();
  const quality = await svc.request("/quality", { json: { model_key: name, items: csvRows(`${name}_test.csv`) } });
  expect(quality.status).toBe(200);
  return quality.body.metrics.accuracy as number;
}

describe("accuracy: API and CLI agree", () => {
  test("iris (one test row is 3.3 points: they may differ by one row)", async () => {
    const api = await apiAccuracy("iris", "species", [32], 500);
    const cli = await cliAccuracy("iris", "species", "32", 500);
    expect(api).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(api - cli)).toBeLessThanOrEqual(1 / 30 + 1e-9);
  }, 60_000);

  test("digits, within 2 points", async () => {
    const api = await apiAccuracy("digits", "label", [64], 40);
    const cli = await cliAccuracy("digits", "label", "64", 40);
    expect(api).toBeGreaterThanOrEqual(0.94);
    expect(Math.abs(api - cli)).toBeLessThanOrEqual(0.02);
  }, 120_000);
});
