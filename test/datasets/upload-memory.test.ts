/**
 * Streaming memory: a large upload (generated as it is sent, never held whole by the test) goes
 * through the reader and into the store while the process's resident memory is sampled. The
 * bound is generous (twice the file's size): a reader that kept rows of strings, as the old
 * parsers did, needed many times the file. Memory, not time, is what is checked.
 */
import { describe, expect, test } from "bun:test";
import { datasetsApp } from "./helpers";

const MB = 1024 * 1024;
const TARGET_BYTES = 48 * MB;

/** A numeric CSV of about TARGET_BYTES, produced chunk by chunk as the reader pulls. */
function generatedCsv(): { stream: ReadableStream<Uint8Array>; sent: () => number } {
  const enc = new TextEncoder();
  let sent = 0;
  let row = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (sent >= TARGET_BYTES) {
        ctrl.close();
        return;
      }
      let text = sent === 0 ? `${Array.from({ length: 16 }, (_, j) => `f${j}`).join(",")},label\n` : "";
      for (let k = 0; k < 2000; k++, row++) {
        const cells = Array.from({ length: 16 }, (_, j) => (((row * 7919 + j * 104729) % 100000) / 997).toFixed(4));
        text += `${cells.join(",")},${row % 3}\n`;
      }
      const bytes = enc.encode(text);
      sent += bytes.length;
      ctrl.enqueue(bytes);
    },
  });
  return { stream, sent: () => sent };
}

describe("upload memory", () => {
  test("a large upload streams to the store with bounded resident memory", async () => {
    const t = await datasetsApp({ ML_MAX_CSV_UPLOAD_BYTES: String(64 * MB) });
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const body = generatedCsv();
    let res: Response;
    try {
      res = await t.app.request("/datasets/upload?filename=big.csv", {
        method: "POST",
        body: body.stream,
        headers: { ...t.alice.headers, "content-type": "text/csv" },
        // a streamed request body
        duplex: "half",
      } as RequestInit);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(res.status).toBe(201);
    const ds = (await res.json()) as { size_bytes: number; row_count: number };
    expect(ds.size_bytes).toBe(body.sent());
    expect(ds.size_bytes).toBeGreaterThan(TARGET_BYTES - MB);
    // twice the file: garbage not yet collected counts too (43 MB was seen here for 48 MB)
    expect(peak - before).toBeLessThan(2 * TARGET_BYTES);
  }, 120_000);
});
