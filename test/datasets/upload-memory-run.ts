/**
 * Run by upload-memory.test.ts in a process of its own, so that no other test's garbage or
 * timers move its resident memory: streams a generated ~48 MB CSV (or NDJSON) through POST /datasets/upload
 * while sampling RSS, and prints one JSON line with the figures.
 */
import { removeTempDirs } from "../temp-dir";
import { datasetsApp } from "./helpers";

const MB = 1024 * 1024;
export const TARGET_BYTES = 48 * MB;

/** `ndjson` as the first argument: the same data as NDJSON lines (application/x-ndjson) */
const NDJSON = process.argv[2] === "ndjson";
const NAMES = [...Array.from({ length: 16 }, (_, j) => `f${j}`), "label"];
const line = (cells: string[]) =>
  NDJSON ? `{${cells.map((c, j) => `"${NAMES[j]}":${c}`).join(",")}}\n` : `${cells.join(",")}\n`;

/** A numeric CSV (or NDJSON) of about TARGET_BYTES, produced chunk by chunk as the reader pulls. */
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
      let text = sent === 0 && !NDJSON ? `${NAMES.join(",")}\n` : "";
      for (let k = 0; k < 2000; k++, row++) {
        const cells = Array.from({ length: 16 }, (_, j) => (((row * 7919 + j * 104729) % 100000) / 997).toFixed(4));
        text += line([...cells, String(row % 3)]);
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
const res = await t.app.request(`/datasets/upload?filename=big.${NDJSON ? "ndjson" : "csv"}`, {
  method: "POST",
  body: body.stream,
  headers: { ...t.alice.headers, "content-type": NDJSON ? "application/x-ndjson" : "text/csv" },
  // a streamed request body
  duplex: "half",
} as RequestInit);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const ds = (await res.json()) as { size_bytes?: number; format?: string };
console.log(
  JSON.stringify({
    status: res.status,
    format: ds.format,
    size_bytes: ds.size_bytes,
    sent: body.sent(),
    growth: peak - before,
  }),
);
// a process of its own: the run's afterAll does not reach it, so its ~50 MB file goes here
removeTempDirs();
process.exit(0);
