/**
 * The compiled binary's stdout is JSON lines only, also when WebGPU starts (ML_COMPUTE=auto opens
 * Dawn on lavapipe, whose warnings native code prints to fds 1/2): they are caught and, with
 * ML_LOG_LEVEL=debug, re-emitted as JSON debug lines (src/compute/native-output.ts).
 */
import { describe, expect, test } from "bun:test";
import { binaryServer, startBinary } from "./binary-helpers";

const TOKEN = "l".repeat(40);
const f = binaryServer("mls-binary-logs-", TOKEN);

/** The rest of a stream startBinary has already read from (and released). */
async function readRest(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

/** Starts the binary with `env`, asks for readiness and health (which open Dawn), stops it, and returns its output. */
async function session(env: Record<string, string>) {
  const b = await startBinary(f.binary, { cwd: f.dir, env: { ...f.env(), ML_COMPUTE: "auto", ...env }, token: TOKEN });
  const ready = await b.call("/readyz");
  const health = await b.call("/health");
  b.proc.kill("SIGTERM");
  await b.proc.exited;
  const rest = await readRest(b.proc.stdout as ReadableStream<Uint8Array>);
  const stderr = await new Response(b.proc.stderr as ReadableStream).text();
  const lines = `${b.startup}${rest}`.split("\n").filter((l) => l !== "");
  return { ready, health, lines, stderr };
}

const notJson = (lines: string[]) =>
  lines.filter((l) => {
    try {
      const o = JSON.parse(l);
      return !(typeof o === "object" && o && typeof o.time === "string" && typeof o.msg === "string");
    } catch {
      return true;
    }
  });

describe("the compiled binary's log", () => {
  test("is JSON lines only while WebGPU starts, with the GPU library's warnings kept out", async () => {
    const { ready, health, lines, stderr } = await session({});
    expect(ready.status).toBe(200);
    // Dawn was opened: auto looked at the adapters it lists (lavapipe here and in CI)
    expect(String(health.body.compute.reason)).toMatch(/adapters?:/);
    expect(notJson(lines)).toEqual([]);
    expect(lines.some((l) => l.includes("artificially reduced"))).toBe(false);
    expect(stderr).not.toContain("Warning:");
    const request = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request" && l.path === "/readyz");
    expect(request).toMatchObject({
      client_ip: "127.0.0.1",
      status: 200,
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  }, 60_000);

  test("with ML_LOG_LEVEL=debug the GPU library's output comes back as JSON debug lines", async () => {
    const { lines } = await session({ ML_LOG_LEVEL: "debug" });
    expect(notJson(lines)).toEqual([]);
    const gpu = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "gpu library output");
    expect(gpu.length).toBeGreaterThan(0);
    for (const l of gpu) expect(l).toMatchObject({ level: "debug", output: expect.any(String) });
  }, 60_000);
});
