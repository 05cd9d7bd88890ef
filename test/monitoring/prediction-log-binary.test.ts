/**
 * The compiled binary's prediction log writes on its own thread (an extra entry point of the
 * build): every prediction answered is in the database file after SIGTERM.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { binaryServer } from "../binary-helpers";
import { features, normalRows } from "./helpers";

const TOKEN = "w".repeat(40);
const bin = binaryServer("mls-log-bin-", TOKEN);

describe("prediction log in the compiled binary", () => {
  test("every prediction answered is in the log after SIGTERM", async () => {
    const server = await bin.serve({ ML_PREDICTION_LOG_FLUSH_MS: "60000" });
    const ids: number[] = [];
    try {
      const train = await server.call("/train", {
        model_key: "logged",
        target_field: "label",
        items: normalRows(200, 50),
        hyperparameters: { hidden_layer_sizes: [8], max_iter: 10 },
      });
      expect(train.status).toBe(202);
      for (;;) {
        const job = (await server.call(`/jobs/${train.body.job_id}`)).body;
        if (job.status === "completed") break;
        if (job.status !== "queued" && job.status !== "running") throw new Error(`train: ${job.error}`);
        await Bun.sleep(50);
      }
      const rows = features(normalRows(5, 51));
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => server.call("/predict", { model_key: "logged", data: rows })),
      );
      for (const a of answers) {
        expect(a.status).toBe(200);
        for (const p of a.body.predictions) ids.push(p.prediction_id);
      }
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc.exited;
    }
    expect(ids).toHaveLength(200);
    const db = new Database(join(bin.dir, "data", "ml_store.db"), { readonly: true });
    try {
      const logged = db.query("SELECT id FROM predictions ORDER BY id").all() as { id: number }[];
      expect(logged.map((r) => r.id)).toEqual(ids.toSorted((a, b) => a - b));
    } finally {
      db.close();
    }
  }, 180_000);
});
