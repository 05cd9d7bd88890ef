/** Running the compiled binary as a server in tests: build it once, start, wait for its "listening" log line, call it. */
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "../scripts/build";
import { tempDir } from "./temp-dir";

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
export type Json = any;

let built: Promise<string> | undefined;

/**
 * The compiled binary, built once per test process into a folder of its own (a build takes
 * seconds, and every binary test would otherwise make its own). Tests run it from their own
 * working directories.
 */
export function compiledBinary(): Promise<string> {
  built ??= (async () => {
    // removed when the run ends (a handler on `exit` never ran under bun test: ~130 MB a run was left)
    const dir = tempDir("mls-binary-");
    return buildBinary(join(dir, "bin", "mlservice"));
  })();
  return built;
}

/**
 * For a test file that runs the compiled binary as a server: a fresh working directory (removed
 * after the file), the binary, the environment (X-Admin-Token `token`, the CPU backend) and `serve`.
 * Read its fields inside tests: they are set by the file's beforeAll.
 */
export function binaryServer(prefix: string, token: string) {
  const f = {
    dir: "",
    binary: "",
    env: () => ({
      PATH: process.env.PATH ?? "",
      ML_ADMIN_API_TOKEN: token,
      ML_ADMIN_PASSWORD: "Admin-pass-2025",
      ML_COMPUTE: "cpu",
      // one serving process unless a test asks for more (`serve({ ML_HTTP_PROCESSES: "2" })`)
      ML_HTTP_PROCESSES: "1",
    }),
    serve: (env: Record<string, string> = {}) =>
      startBinary(f.binary, { cwd: f.dir, env: { ...f.env(), ...env }, token }),
  };
  beforeAll(async () => {
    f.dir = mkdtempSync(join(tmpdir(), prefix));
    f.binary = await compiledBinary();
  }, 120_000);
  afterAll(() => rmSync(f.dir, { recursive: true, force: true }));
  return f;
}

export interface RunningBinary {
  proc: ReturnType<typeof Bun.spawn>;
  port: number;
  /** what it wrote to stdout up to and including its "listening" line; the rest is left in proc.stdout */
  startup: string;
  /** GET (no body) or POST (JSON body) with X-Admin-Token `token`; the parsed JSON answer */
  call(path: string, json?: unknown): Promise<{ status: number; body: Json }>;
}

/** `serve --port 0` in `cwd`; resolves once the JSON log says which port it listens on. */
export async function startBinary(
  binary: string,
  o: { cwd: string; env: Record<string, string>; token: string },
): Promise<RunningBinary> {
  const proc = Bun.spawn([binary, "serve", "--port", "0", "--host", "127.0.0.1"], {
    cwd: o.cwd,
    // one serving process unless the test asks for more: the default is one per core
    env: { ML_HTTP_PROCESSES: "1", ...o.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    const line = text.split("\n").find((l) => l.includes('"msg":"listening"'));
    if (line) {
      reader.releaseLock();
      const port = JSON.parse(line).port as number;
      const call = async (path: string, json?: unknown) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          method: json === undefined ? "GET" : "POST",
          headers: { "x-admin-token": o.token, "content-type": "application/json" },
          ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        });
        return { status: res.status, body: (await res.json()) as Json };
      };
      return { proc, port, call, startup: text };
    }
  }
  proc.kill();
  throw new Error(`the binary did not start listening: ${text}`);
}
