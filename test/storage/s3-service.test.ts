/**
 * The service with its artifacts and datasets in an S3-compatible store (s3rver on loopback):
 * nothing lands in the local folders, a restart on a fresh machine (only the database and the
 * bucket kept) serves the same answers, and a wrong bucket or access key stops start-up with exit 3.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "bun";
import { EXIT, type Io } from "../../src/cli/io";
import { main } from "../../src/main";
import { ADMIN_TOKEN, csvRows, DATA, startService } from "../ml-service/helpers";
import { type S3TestServer, startS3 } from "./s3-server";

let s3: S3TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  s3 = await startS3();
  env = {
    ...s3.env,
    ML_ARTIFACTS_URL: `s3://${s3.bucket}/prod/artifacts`,
    ML_DATASETS_URL: `s3://${s3.bucket}/prod/datasets`,
  };
});
afterAll(() => s3.close());

describe("artifacts and datasets on S3", () => {
  test("upload, train, predict; a restart with only the database and the bucket gives the same answers", async () => {
    const svc = await startService(env);
    const { url } = svc.listen();
    const form = new FormData();
    form.append("file", Bun.file(join(DATA, "iris_train.csv")), "iris_train.csv");
    const upload = await fetch(`${url}/datasets/upload`, {
      method: "POST",
      headers: { "X-Admin-Token": ADMIN_TOKEN },
      body: form,
    });
    expect(upload.status).toBe(201);
    const dataset = (await upload.json()) as { id: string };

    const train = await svc.request("/train", {
      json: {
        model_key: "iris",
        target_field: "species",
        dataset_id: dataset.id,
        hyperparameters: { max_iter: 200, random_state: 3 },
      },
    });
    expect(train.status).toBe(202);
    const job = await svc.waitJob(train.body.job_id);
    expect(job.status).toBe("completed");

    const rows = csvRows("iris_test.csv").map(({ species: _, ...f }) => f);
    const before = await svc.request("/predict", { json: { model_key: "iris", data: rows } });
    expect(before.status).toBe(200);

    const client = new S3Client({ ...clientOptions(), bucket: s3.bucket });
    const keys = ((await client.list({ prefix: "prod/" })).contents ?? []).map((o) => o.key).sort();
    expect(keys).toEqual([`prod/artifacts/iris/1.0.0.mlsa`, `prod/datasets/${dataset.id}.csv`]);
    // nothing in the local folders the directory settings name
    for (const local of [svc.config.ML_ARTIFACTS_ROOT, svc.config.ML_DATASETS_ROOT])
      expect(existsSync(local) ? readdirSync(local, { recursive: true }) : []).toEqual([]);

    // a new machine: the database file moves, the local folders are gone, the bucket stays
    await svc.close(true);
    const moved = mkdtempSync(join(tmpdir(), "mls-s3-restart-"));
    rmSync(join(svc.dir, "artifacts"), { recursive: true, force: true });
    rmSync(join(svc.dir, "datasets"), { recursive: true, force: true });
    const again = await startService(env, svc.dir);
    try {
      const after = await again.request("/predict", { json: { model_key: "iris", data: rows } });
      expect(after.status).toBe(200);
      const answers = (r: typeof before) =>
        r.body.predictions.map((p: { prediction: unknown; confidence: number }) => [p.prediction, p.confidence]);
      expect(answers(after)).toEqual(answers(before));
      // the dataset is read back from the bucket for a second fit
      const v2 = await again.request("/train", {
        json: {
          model_key: "iris",
          target_field: "species",
          dataset_id: dataset.id,
          hyperparameters: { max_iter: 50 },
        },
      });
      expect((await again.waitJob(v2.body.job_id)).status).toBe("completed");
    } finally {
      await again.close();
      rmSync(moved, { recursive: true, force: true });
    }
  }, 60_000);

  test("an unknown access key or a missing bucket stops start-up with one line naming the setting, exit 3", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mls-s3-bad-"));
    try {
      for (const [bad, setting] of [
        [{ ...env, AWS_ACCESS_KEY_ID: "nobody" }, "ML_ARTIFACTS_URL"],
        [{ ...env, ML_DATASETS_URL: "s3://no-such-bucket/x" }, "ML_DATASETS_URL"],
        [{ ...env, ML_ARTIFACTS_URL: "s3://Bad_Bucket" }, "ML_ARTIFACTS_URL"],
      ] as const) {
        const err: string[] = [];
        const io: Io = {
          out: () => {},
          err: (line) => err.push(line),
          write: () => {},
          isTTY: false,
          env: { ...bad, ML_DB_PATH: join(dir, "store.db"), ML_ADMIN_PASSWORD: "Admin-pass-2025" },
          cwd: dir,
        };
        expect(await main(["serve", "--port", "0", "--host", "127.0.0.1"], io)).toBe(EXIT.config);
        expect(err).toHaveLength(1);
        expect(err[0]).toContain(setting);
        expect(err[0]).not.toContain("S3RVER");
        expect(err[0]).not.toContain("nobody");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("an object store that goes away", () => {
  test("predictions needing it answer 503 with Retry-After, /readyz names it, and it recovers without a restart", async () => {
    const svc = await startService(env);
    const train = await svc.request("/train", {
      json: {
        model_key: "flaky",
        target_field: "species",
        items: csvRows("iris_train.csv"),
        hyperparameters: { max_iter: 50 },
      },
    });
    expect((await svc.waitJob(train.body.job_id)).status).toBe("completed");
    await svc.close(true);
    const rows = csvRows("iris_test.csv")
      .slice(0, 3)
      .map(({ species: _, ...f }) => f);

    // a fresh process (nothing cached) while the store is down
    s3.stop();
    const again = await startService(env, svc.dir);
    try {
      const down = await again.request("/predict", { json: { model_key: "flaky", data: rows } });
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("5");
      expect(down.body.error.message).toContain("unavailable");
      const ready = await again.request("/readyz");
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body)).toContain("artifact");

      s3.restart();
      const up = await again.request("/predict", { json: { model_key: "flaky", data: rows } });
      expect(up.status).toBe(200);
      expect(up.body.predictions).toHaveLength(3);
      expect((await again.request("/readyz")).status).toBe(200);
    } finally {
      s3.restart();
      await again.close();
    }
  }, 60_000);
});

function clientOptions() {
  return { endpoint: s3.endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER", region: "us-east-1" };
}
