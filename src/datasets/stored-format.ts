/**
 * The format an upload is stored in, told by its first bytes as the reader tells them
 * (reader/index.ts sniffFormat). A gzip-compressed upload is stored compressed, under the format
 * of what it holds: its first few hundred compressed bytes are inflated to look (at most
 * ~1000× as many bytes, so a gzip bomb cannot blow up here; the reader enforces the real limit).
 */
import { constants, gunzipSync } from "node:zlib";
import type { DatasetFormat } from "./files";
import { sniffFormat } from "./reader";

/** compressed bytes inflated to find the format inside a gzip file */
const GZIP_PEEK_BYTES = 256;

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** `csv`, `ndjson` or `parquet` for the bytes that start an upload; damaged gzip reads as CSV and the reader refuses it. */
export function storedFormat(head: Uint8Array): DatasetFormat {
  if (!isGzip(head)) return sniffFormat(head);
  try {
    const inner = gunzipSync(head.subarray(0, GZIP_PEEK_BYTES), { finishFlush: constants.Z_SYNC_FLUSH });
    return storedFormat(inner);
  } catch {
    return "csv";
  }
}
