/**
 * `mlservice export`: beside a running service, on its database and artifacts, writes the
 * serving version as ONNX that onnxruntime runs to the service's own predictions, or the `.mlsa`
 * bytes the download route sends; bad arguments and unknown models exit with their codes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { EXIT, type Io } from "../../src/cli/io";
import { main } from "../../src/main";
import { ADMIN_TOKEN, csvRows, startService } from "../ml-service/helpers";

let svc: Awaited<ReturnType<typeof startService>>;
let cwd: string;
const probe = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);

beforeAll(async () => {
  svc = await startService();
  cwd = mkdtempSync(join(tmpdir(), "mls-export-"));
  const res = await svc.request("/train", {
    json: {
      model_key: "iris",
      target_field: "species",
      items: csvRows("iris_train.csv"),
      hyperparameters: { hidden_layer_sizes: [8], max_iter: 100, learning_rate_init: 0.01, random_state: 1 },
    },
  });
  expect((await svc.waitJob(res.body.job_id, 60_000)).status).toBe("completed");
});
afterAll(async () => {
  await svc.close();
  rmSync(cwd, { recursive: true, force: true });
});

async function exportCli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    write: (t) => out.push(t),
    isTTY: false,
    env: {
      ML_DB_PATH: svc.config.ML_DB_PATH,
      ML_ARTIFACTS_ROOT: svc.config.ML_ARTIFACTS_ROOT,
      ML_DATASETS_ROOT: svc.config.ML_DATASETS_ROOT,
    },
    cwd,
  };
  const code = await main(["export", ...args], io);
  return { code, out, err };
}

describe("mlservice export", () => {
  test("writes the serving version as ONNX that predicts what /predict answers", async () => {
    const { code, out } = await exportCli(["--model", "iris", "--format", "onnx"]);
    expect(code).toBe(EXIT.ok);
    const file = join(cwd, "iris-1.0.0.onnx");
    expect(out[0]).toContain(file);
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(file)));
    const n = probe.length;
    const column = (name: string) =>
      new ort.Tensor(
        "float32",
        Float32Array.from(probe, (r) => Number(r[name])),
        [n, 1],
      );
    const result = await session.run(
      Object.fromEntries(["sepal_length", "sepal_width", "petal_length", "petal_width"].map((c) => [c, column(c)])),
    );
    const ours = (await svc.request("/predict", { json: { model_key: "iris", data: probe } })).body.predictions;
    const probs = result.probabilities?.data as Float32Array;
    ours.forEach((p: { all_scores: Record<string, number> }, r: number) => {
      Object.values(p.all_scores).forEach((score, j) => {
        expect(Math.abs((probs[r * 3 + j] as number) - score)).toBeLessThan(1e-5);
      });
    });
  });

  test("--format mlsa --out writes the bytes GET …/artifact sends", async () => {
    const { code } = await exportCli(["--model", "iris", "--version", "1.0.0", "--format", "mlsa", "--out", "m.mlsa"]);
    expect(code).toBe(EXIT.ok);
    const res = await svc.app.request("/models/iris/versions/1.0.0/artifact", {
      headers: { "x-admin-token": ADMIN_TOKEN },
    });
    expect(new Uint8Array(readFileSync(join(cwd, "m.mlsa")))).toEqual(new Uint8Array(await res.arrayBuffer()));
  });

  test("an unknown model or version exits 1 naming it, and writes nothing", async () => {
    const unknown = await exportCli(["--model", "nope", "--out", "nope.onnx"]);
    expect(unknown.code).toBe(EXIT.failure);
    expect(unknown.err[0]).toContain("nope");
    const version = await exportCli(["--model", "iris", "--version", "7.0.0", "--out", "nope.onnx"]);
    expect(version.code).toBe(EXIT.failure);
    expect(version.err[0]).toContain("7.0.0");
    expect(existsSync(join(cwd, "nope.onnx"))).toBe(false);
  });

  test("no --model or an unknown format exits 2 with the usage", async () => {
    expect((await exportCli(["--format", "onnx"])).code).toBe(EXIT.usage);
    const bad = await exportCli(["--model", "iris", "--format", "pmml"]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err[0]).toContain("--format must be one of onnx, mlsa");
  });
});
