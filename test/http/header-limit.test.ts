/**
 * Oversized headers: a 431 with the JSON error body, in-process and from the compiled binary
 * (where Bun's own parser would otherwise answer first, with an empty body).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, startBinary } from "../binary-helpers";
import { testApp } from "../helpers";

describe("request headers over ML_MAX_HEADER_BYTES", () => {
  test("get 431 with the JSON error body; smaller ones pass", async () => {
    const { app } = testApp();
    const big = await app.request("/health", { headers: { "x-big": "a".repeat(20_000) } });
    expect(big.status).toBe(431);
    const body = (await big.json()) as { error: { code: string; message: string; details: unknown } };
    expect(body.error.code).toBe("request_header_fields_too_large");
    expect(body.error.message).toContain("16384");
    expect(body.error.details).toEqual({ limit_bytes: 16384 });
    expect((await app.request("/health", { headers: { "x-big": "a".repeat(10_000) } })).status).toBe(200);
    const small = testApp({ ML_MAX_HEADER_BYTES: "4096" }).app;
    expect((await small.request("/health", { headers: { cookie: "a".repeat(5000) } })).status).toBe(431);
  });
});

describe("the compiled binary", () => {
  let dir: string;
  let binary: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mls-hdr-"));
    binary = await compiledBinary();
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("answers oversized headers with the JSON 431, not Bun's empty one", async () => {
    const cwd = mkdtempSync(join(dir, "run-"));
    const { proc, port } = await startBinary(binary, {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: cwd, ML_COMPUTE: "cpu" },
      token: "",
    });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { headers: { "x-big": "a".repeat(20_000) } });
      expect(res.status).toBe(431);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("request_header_fields_too_large");
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  }, 60_000);
});
