/** /livez, /readyz and `mlservice health`: liveness touches nothing, readiness names what fails. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, type Io } from "../../src/cli/io";
import { createApp } from "../../src/http/app";
import { main } from "../../src/main";
import type { Json } from "../binary-helpers";
import { testDeps } from "../helpers";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mls-readyz-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const setup = (env: Record<string, string> = {}) => {
  const deps = testDeps({ ML_ARTIFACTS_ROOT: join(dir, "artifacts"), ...env });
  return { deps, app: createApp(deps) };
};
const get = async (app: ReturnType<typeof createApp>, path: string) => {
  const res = await app.request(path);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
};

function fakeIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l), write: () => {}, isTTY: false, env, cwd: dir };
  return { io, out };
}

describe("/livez and /readyz", () => {
  test("/livez is 200 without a sign-in, even with the database gone", async () => {
    const { app, deps } = setup();
    deps.sqlite.close();
    const res = await get(app, "/livez");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  test("/readyz is 200 with every check ok", async () => {
    const { app } = setup();
    const res = await get(app, "/readyz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: "ok",
      checks: {
        database: { status: "ok" },
        artifacts: { status: "ok" },
        compute: { status: "ok" },
        models: { status: "ok" },
      },
    });
  });

  test("a closed database is a 503 with Retry-After and the reason", async () => {
    const { app, deps } = setup();
    deps.sqlite.close();
    const res = await get(app, "/readyz");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.body.status).toBe("not_ready");
    expect(res.body.checks.database.status).toBe("error");
    expect(res.body.reason).toStartWith("database: ");
  });

  test("an unreachable artifact store is a 503", async () => {
    const file = join(dir, "not-a-directory");
    writeFileSync(file, "x");
    const { app } = setup({ ML_ARTIFACTS_ROOT: file });
    const res = await get(app, "/readyz");
    expect(res.status).toBe(503);
    expect(res.body.checks.artifacts.status).toBe("error");
    expect(res.body.checks.database.status).toBe("ok");
    expect(res.body.reason).toStartWith("artifacts: ");
  });

  test("compute that cannot be described is a 503", async () => {
    const { deps } = setup();
    const app = createApp({
      ...deps,
      describeCompute: async () => {
        throw new Error("kernels not loaded");
      },
    });
    const res = await get(app, "/readyz");
    expect(res.status).toBe(503);
    expect(res.body.checks.compute).toEqual({ status: "error", error: "kernels not loaded" });
  });
});

describe("mlservice health", () => {
  test("exit 0 and one line when the service is ready (--url, and ML_SERVICE_PORT by default)", async () => {
    const { app } = setup();
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
    try {
      const a = fakeIo();
      expect(await main(["health", "--url", `http://127.0.0.1:${server.port}`], a.io)).toBe(EXIT.ok);
      expect(a.out).toEqual([`ready (http://127.0.0.1:${server.port}/readyz)`]);
      const b = fakeIo({ ML_SERVICE_PORT: String(server.port) });
      expect(await main(["health"], b.io)).toBe(EXIT.ok);
      expect(b.out).toHaveLength(1);
    } finally {
      await server.stop(true);
    }
  });

  test("exit 1 when not ready, with the reason", async () => {
    const { app, deps } = setup();
    deps.sqlite.close();
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
    try {
      const { io, out } = fakeIo();
      expect(await main(["health", "--url", `http://127.0.0.1:${server.port}/`], io)).toBe(EXIT.failure);
      expect(out).toHaveLength(1);
      expect(out[0]).toContain("not ready");
      expect(out[0]).toContain("database: ");
    } finally {
      await server.stop(true);
    }
  });

  test("exit 1 when nothing listens, exit 2 on bad arguments", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = server.port;
    await server.stop(true);
    const { io, out } = fakeIo();
    expect(await main(["health", "--url", `http://127.0.0.1:${port}`], io)).toBe(EXIT.failure);
    expect(out[0]).toStartWith("not ready");
    expect(await main(["health", "--bogus"], fakeIo().io)).toBe(EXIT.usage);
  });
});
