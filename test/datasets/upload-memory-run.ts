/**
 * Run by upload-memory.test.ts in a process of its own, so that no other test's garbage or
 * timers move its resident memory: streams a generated ~48 MB CSV through POST /datasets/upload
 * while sampling RSS, and prints one JSON line with the figures.
 */
import { datasetsApp } from "./helpers";

const MB = 1024 * 1024;
export const TARGET_BYTES = 48 * MB;

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

const t = await datasetsApp({ ML_MAX_CSV_UPLOAD_BYTES: String(64 * MB) });
Bun.gc(true);
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const body = generatedCsv();
const res = await t.app.request("/datasets/upload?filename=big.csv", {
  method: "POST",
  body: body.stream,
  headers: { ...t.alice.headers, "content-type": "text/csv" },
  // a streamed request body
  duplex: "half",
} as RequestInit);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const ds = (await res.json()) as { size_bytes?: number };
console.log(
  JSON.stringify({ status: res.status, size_bytes: ds.size_bytes, sent: body.sent(), growth: peak - before }),
);
process.exit(0);
