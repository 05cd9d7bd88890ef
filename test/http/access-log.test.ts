import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseTraceparent } from "../../src/trace";
import { csvRows, startService } from "../ml-service/helpers";
import { type Client, signedInUser } from "../ml-service/people";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT = `00-${TRACE}-00f067aa0ba902b7-01`;

// biome-ignore lint/suspicious/noExplicitAny: log lines are read loosely
const parsed = (lines: string[]): any[] => lines.map((l) => JSON.parse(l));

describe("parseTraceparent", () => {
  test("takes a W3C traceparent and refuses malformed ones", () => {
    expect(parseTraceparent(TRACEPARENT)).toEqual({ traceId: TRACE, parentId: "00f067aa0ba902b7", sampled: true });
    expect(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-00`)?.sampled).toBe(false);
    // a later version may add fields after the flags
    expect(parseTraceparent(`01-${TRACE}-00f067aa0ba902b7-01-extra`)?.traceId).toBe(TRACE);
    for (const bad of [
      undefined,
      "",
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `00-${TRACE}-00f067aa0ba902b7-01-extra`,
      `00-${TRACE.slice(1)}-00f067aa0ba902b7-01`,
      "not a traceparent",
    ]) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });
});

describe("the request log line", () => {
  const lines: string[] = [];
  let svc: Awaited<ReturnType<typeof startService>>;
  let bob: Client;
  beforeAll(async () => {
    svc = await startService({ ML_TRUST_PROXY: "true" }, undefined, undefined, lines);
    bob = await signedInUser(svc, "bob");
  });
  afterAll(() => svc.close());

  const requestLine = (requestId: string | null) =>
    parsed(lines).find((l) => l.msg === "request" && l.request_id === requestId);

  test("names the client, its user agent, bytes in and out, the user and the trace", async () => {
    const body = JSON.stringify({ model_key: "none", data: [{ x: 1 }] });
    const res = await svc.app.request("/predict", {
      method: "POST",
      body,
      headers: {
        authorization: `Bearer ${bob.token}`,
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "user-agent": "curl/8.5.0",
        "x-forwarded-for": "198.51.100.9, 203.0.113.7",
        traceparent: TRACEPARENT,
      },
    });
    const answer = await res.text();
    expect(res.status).toBe(404);
    const line = requestLine(res.headers.get("x-request-id"));
    const users = await bob.send("/auth/user-info");
    expect(line).toMatchObject({
      level: "info",
      method: "POST",
      path: "/predict",
      status: 404,
      client_ip: "203.0.113.7",
      user_agent: "curl/8.5.0",
      bytes_in: Buffer.byteLength(body),
      bytes_out: Buffer.byteLength(answer),
      user_id: users.body.id,
      trace_id: TRACE,
    });
  });

  test("starts a new trace when the traceparent is missing or invalid, and counts non-ASCII bytes out", async () => {
    const res = await svc.app.request("/models/caf%C3%A9", {
      headers: { authorization: `Bearer ${bob.token}`, traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` },
    });
    const answer = await res.text();
    expect(answer).toContain("café");
    const line = requestLine(res.headers.get("x-request-id"));
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(line.trace_id).not.toBe("0".repeat(32));
    expect(line.bytes_out).toBe(new TextEncoder().encode(answer).length);
    expect(line.bytes_in).toBeNull();
    expect(line.user_agent).toBeNull();
  });

  test("a train job started by the request logs its trace id, and one line when it finishes", async () => {
    const res = await svc.app.request("/train", {
      method: "POST",
      body: JSON.stringify({ model_key: "iris", target_field: "species", items: csvRows("iris_train.csv") }),
      headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json", traceparent: TRACEPARENT },
    });
    expect(res.status).toBe(202);
    const { job_id, version } = (await res.json()) as { job_id: string; version: string };
    expect((await svc.waitJob(job_id)).status).toBe("completed");
    const jobLines = parsed(lines).filter((l) => l.job_id === job_id);
    expect(jobLines.map((l) => l.msg)).toEqual(expect.arrayContaining(["job started", "job finished"]));
    for (const l of jobLines) expect({ msg: l.msg, trace_id: l.trace_id }).toEqual({ msg: l.msg, trace_id: TRACE });
    const finished = jobLines.filter((l) => l.msg === "job finished");
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({
      level: "info",
      type: "train",
      model_key: "iris",
      version,
      status: "completed",
      error: null,
    });
    expect(finished[0].duration_ms).toBeGreaterThanOrEqual(0);
  });

  test("a failed job's finished line carries its error", async () => {
    // a retrain whose source data has gone fails in its handler, as any job can
    const rows = csvRows("iris_train.csv");
    const train = await bob.send("/train", { json: { model_key: "flaky", target_field: "species", items: rows } });
    expect((await svc.waitJob(train.body.job_id)).status).toBe("completed");
    const version = train.body.version as string;
    const datasetId = (await bob.send(`/models/flaky/versions`)).body.items.find(
      (x: { version: string }) => x.version === version,
    ).dataset_id;
    await svc.db.deleteFrom("datasets").where("id", "=", datasetId).execute();
    const retrain = await bob.send("/models/flaky/retrain", { json: {} });
    expect(retrain.status).toBe(202);
    const job = await svc.waitJob(retrain.body.job_id);
    expect(job.status).toBe("failed");
    const finished = parsed(lines).find((l) => l.msg === "job finished" && l.job_id === retrain.body.job_id);
    expect(finished).toMatchObject({ level: "warn", type: "retrain", status: "failed", error: job.error });
    expect(finished.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });
});
