/**
 * ML_HTTP_PROCESSES=2 in the compiled binary: events cross the processes (src/events/relay.ts
 * over Bun.spawn IPC). Eight /ws clients, each on a connection of its own, are spread by the
 * kernel over both processes; every one of them sees the live progress of a fit and the alert a
 * failed fit raises, whichever process ran it. (Were events still per process, the clients of
 * the other process would see none: all eight on one process happens once in 128 runs.)
 */
import { describe, expect, test } from "bun:test";
import { binaryServer, type RunningBinary } from "../binary-helpers";
import { connect } from "../http/ws-helpers";
import { normalRows } from "../monitoring/helpers";

const TOKEN = "e".repeat(40);
const bin = binaryServer("mls-processes-events-", TOKEN);

/**
 * Resolves once the sibling logged that it listens (before that, the first process takes every
 * connection); keeps draining the log after, so that a full pipe never blocks the service.
 */
function siblingListening(server: RunningBinary): Promise<void> {
  const reader = (server.proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  return new Promise((resolve, reject) => {
    let text = "";
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return reject(new Error("the service exited before its sibling listened"));
        text += decoder.decode(value);
        if (text.split("\n").some((l) => l.includes('"msg":"listening"') && l.includes('"sibling":1'))) {
          text = "";
          resolve();
        }
        if (text.length > 1_000_000) text = text.slice(-10_000);
      }
    })();
  });
}

describe("events across ML_HTTP_PROCESSES (compiled binary)", () => {
  test("every /ws client sees a fit's progress and a failed fit's alert, whichever process ran it", async () => {
    const server = await bin.serve({ ML_HTTP_PROCESSES: "2", ML_N_ITER_NO_CHANGE: "10000", ML_TOL: "0" });
    const clients: Awaited<ReturnType<typeof connect>>[] = [];
    try {
      await siblingListening(server);
      for (let i = 0; i < 8; i++) clients.push(await connect(server.port, `?token=${TOKEN}`));
      const started = await server.call("/train", {
        model_key: "ev",
        target_field: "label",
        items: normalRows(300, 5),
        hyperparameters: { hidden_layer_sizes: [16], max_iter: 200 },
      });
      expect(started.status).toBe(202);
      const id = started.body.job_id;
      for (const c of clients) {
        await c.next((m) => m.type === "queue:task_progress" && m.data.job_id === id, 60_000);
        await c.next((m) => m.type === "queue:task_completed" && m.data.job_id === id, 60_000);
      }

      // a fit past its time limit fails, and the process that ran it raises training_failed
      const doomed = await server.call("/train", {
        model_key: "ev",
        target_field: "label",
        items: normalRows(300, 6),
        max_training_time_s: 1,
        hyperparameters: { hidden_layer_sizes: [256, 256], max_iter: 100000 },
      });
      expect(doomed.status).toBe(202);
      for (const c of clients) {
        const alert = await c.next(
          (m) => m.type === "alerts:new" && m.data.details?.job_id === doomed.body.job_id,
          60_000,
        );
        expect(alert.data.type).toBe("training_failed");
      }
    } finally {
      for (const c of clients) await c.close();
      server.proc.kill("SIGTERM");
      await server.proc.exited;
    }
  }, 180_000);
});
