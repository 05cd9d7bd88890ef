import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import * as v from "valibot";
import { ServiceError } from "../../src/errors";
import type { AppEnv } from "../../src/http/env";
import { handleError } from "../../src/http/errors";
import { jsonBody } from "../../src/http/validate";
import { testApp } from "../helpers";

describe("GET /health", () => {
  test("answers without auth with status, version, uptime, database and compute", async () => {
    const { app } = testApp();
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.status).toBe("ok");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.uptime_s).toBeGreaterThanOrEqual(4);
    expect(body.database).toMatchObject({ status: "ok", schema: expect.stringMatching(/^\d{4}_/) });
    expect(body.compute).toMatchObject({ backend: "cpu" });
  });

  test("reports a broken database as 503 degraded", async () => {
    const { app, deps } = testApp();
    deps.sqlite.close();
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; database: { status: string } };
    expect(body.status).toBe("degraded");
    expect(body.database.status).toBe("error");
  });

  test("carries a request id and writes one JSON access log line", async () => {
    const { app, logLines } = testApp();
    const res = await app.request("/health");
    const id = res.headers.get("x-request-id");
    expect(id).toBeTruthy();
    const entry = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
    expect(entry).toMatchObject({ request_id: id, method: "GET", path: "/health", status: 200, level: "info" });
    expect(typeof entry.duration_ms).toBe("number");
  });
});

describe("error contract", () => {
  test("unknown routes are 404 JSON", async () => {
    const { app } = testApp();
    const res = await app.request("/models/none/nothing", { method: "DELETE" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({
      error: { code: "not_found", message: "no route for DELETE /models/none/nothing", details: null },
    });
  });

  test("oversize bodies are 413 JSON", async () => {
    const { app } = testApp({ ML_MAX_REQUEST_BYTES: "2048" });
    const res = await app.request("/health", { method: "POST", body: "x".repeat(4096) });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; details: { limit_bytes: number } } };
    expect(body.error.code).toBe("payload_too_large");
    expect(body.error.details.limit_bytes).toBe(2048);
  });

  const Body = v.object({
    name: v.pipe(v.string(), v.minLength(1)),
    items: v.array(v.object({ age: v.number() })),
  });
  const app = new Hono<AppEnv>()
    .post("/things", jsonBody(Body), (c) => c.json({ ok: c.req.valid("json").name }))
    .get("/conflict", () => {
      throw new ServiceError(409, "conflict", "version 1.0.0 exists", { version: "1.0.0" });
    })
    .get("/busy", () => {
      throw new ServiceError(503, "not_ready", "model is training", null, { "Retry-After": "5" });
    })
    .get("/bug", () => {
      throw new Error("secret internal detail");
    });
  app.onError(handleError);

  test("valibot failures are 422 with field paths", async () => {
    const res = await app.request("/things", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "", items: [{ age: 1 }, { age: "two" }] }),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.map((d) => d.path).sort()).toEqual(["items.1.age", "name"]);
  });

  test("malformed JSON is 400", async () => {
    const res = await app.request("/things", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_request");
  });

  test("ServiceError keeps its status, details and headers", async () => {
    const res = await app.request("/conflict");
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: { code: "conflict", message: "version 1.0.0 exists", details: { version: "1.0.0" } },
    });
    const busy = await app.request("/busy");
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("5");
  });

  test("unexpected errors are 500 without internals", async () => {
    const res = await app.request("/bug");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret internal detail");
    expect(JSON.parse(text).error.code).toBe("internal");
  });
});

describe("CORS", () => {
  test("is off unless configured", async () => {
    const { app } = testApp();
    const res = await app.request("/health", { headers: { origin: "https://example.test" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("allows the configured origins only", async () => {
    const { app } = testApp({ ML_CORS_ORIGINS: "https://a.test, https://b.test" });
    const ok = await app.request("/health", { headers: { origin: "https://b.test" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://b.test");
    const other = await app.request("/health", { headers: { origin: "https://evil.test" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
