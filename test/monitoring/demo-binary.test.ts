/**
 * Demo mode in the compiled binary: its demo data is embedded (no file beside it), so
 * `ML_DEMO=true` trains the three demo models and feeds them traffic; a plain `serve` stays empty.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { binaryServer, type RunningBinary } from "../binary-helpers";

const TOKEN = "e".repeat(40);
const bin = binaryServer("mls-demo-bin-", TOKEN);

/** Reads the server's JSON log until a line with `msg`; that line, parsed. */
async function logLine(server: RunningBinary, msg: string) {
  const reader = (server.proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the log ended without "${msg}": ${text}`);
    text += new TextDecoder().decode(value);
    const line = text.split("\n").find((l) => l.includes(`"msg":"${msg}"`));
    if (line) {
      reader.releaseLock();
      return JSON.parse(line);
    }
  }
}

describe("demo mode in the compiled binary", () => {
  test("ML_DEMO=true trains the embedded demo models and feeds them traffic", async () => {
    const server = await bin.serve({ ML_DEMO: "true" });
    try {
      expect((await logLine(server, "demo models trained")).models).toEqual([
        "demo-housing",
        "demo-iris",
        "demo-tickets",
      ]);
      const models = (await server.call("/models")).body.models.map((m: { model_key: string }) => m.model_key);
      expect(models.sort()).toEqual(["demo-housing", "demo-iris", "demo-tickets"]);
      expect((await server.call("/predictions?model_key=demo-tickets&limit=1")).body.total).toBe(300);
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc.exited;
    }
  }, 120_000);

  test("a plain serve has no demo models and no demo reset", async () => {
    const server = await bin.serve({
      ML_DB_PATH: join(bin.dir, "plain.db"),
      ML_ARTIFACTS_ROOT: join(bin.dir, "plain-artifacts"),
    });
    try {
      expect((await server.call("/models")).body.models).toEqual([]);
      expect((await server.call("/demo/reset", {})).status).toBe(404);
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc.exited;
    }
  });
});
