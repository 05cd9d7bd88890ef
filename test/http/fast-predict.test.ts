/**
 * The POST /predict fast path (src/http/fast-predict.ts) answers exactly as the Hono route does.
 * Each case is sent twice: as is (the fast path takes it) and with `?format=json` (a query
 * string sends it through the middleware chain; the route answers JSON either way). Status, body
 * (ids and timings aside) and headers must agree, and the fast-path counter in /metrics shows
 * which way each went.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { csvRows, startService } from "../ml-service/helpers";
import { signedInUser } from "../ml-service/people";

let svc: Awaited<ReturnType<typeof startService>>;
let token = "";
let session = "";
let revoked = "";
let revokedId = 0;
let alice: Awaited<ReturnType<typeof signedInUser>>;
const iris = csvRows("iris_train.csv");
const row = (() => {
  const { species: _, ...features } = iris[0] as Record<string, string | number>;
  return features;
})();

beforeAll(async () => {
  svc = await startService({ ML_SYNC_PREDICT_MAX_ROWS: "5" });
  const res = await svc.request("/train", {
    json: { model_key: "iris", target_field: "species", items: iris, hyperparameters: { max_iter: 50 } },
  });
  const job = await svc.waitJob(res.body.job_id, 120_000);
  if (job.status !== "completed") throw new Error(`train: ${job.error}`);
  alice = await signedInUser(svc, "alice");
  session = alice.token as string;
  token = (await alice.send("/auth/tokens", { json: { name: "fast" } })).body.token;
  const old = (await alice.send("/auth/tokens", { json: { name: "old" } })).body;
  revoked = old.token;
  revokedId = old.id ?? old.token_id;
});
afterAll(() => svc.close());

interface Case {
  name: string;
  authorization?: string;
  body: string;
  headers?: Record<string, string>;
}

async function send(c: Case, query: string) {
  const res = await svc.app.request(`/predict${query}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      // as an HTTP client sends it (a Request made here has none, and the fast path needs it)
      "content-length": String(Buffer.byteLength(c.body)),
      ...(c.authorization === undefined ? { authorization: `Bearer ${token}` } : { authorization: c.authorization }),
      ...c.headers,
    },
    body: c.body,
  });
  const text = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== "x-request-id" && name !== "date") headers[name] = value;
  });
  return { status: res.status, text, headers, requestId: res.headers.get("x-request-id") };
}

/** The answer with what differs between two requests (ids, timings, job ids) blanked. */
function comparable(text: string): unknown {
  try {
    return JSON.parse(text, (key, value) =>
      ["prediction_id", "processing_time_ms", "job_id", "request_id"].includes(key) ? "·" : value,
    );
  } catch {
    return text;
  }
}

async function fastCount(): Promise<number> {
  const text = (await svc.request("/metrics")).text;
  let n = 0;
  for (const m of text.matchAll(/^mlservice_http_fast_path_total\{status="\dxx"\} (\d+)$/gm)) n += Number(m[1]);
  return n;
}

const cases: Case[] = [
  { name: "one row", body: JSON.stringify({ model_key: "iris", data: row }) },
  { name: "three rows as a list", body: JSON.stringify({ model_key: "iris", data: [row, row, row] }) },
  { name: "a version", body: JSON.stringify({ model_key: "iris", version: "1.0.0", data: [row] }) },
  { name: "a seed-000 version name", body: JSON.stringify({ model_key: "iris", version: "v1.0.0", data: [row] }) },
  { name: "an unknown model (404)", body: JSON.stringify({ model_key: "nope", data: [row] }) },
  { name: "an unknown version (404)", body: JSON.stringify({ model_key: "iris", version: "9.9.9", data: [row] }) },
  { name: "a missing feature (422)", body: JSON.stringify({ model_key: "iris", data: [{ sepal_length: 5 }] }) },
  { name: "a number beyond float32 (422)", body: JSON.stringify({ model_key: "iris", data: [{ ...row, x: 1e39 }] }) },
  { name: "not JSON (400)", body: '{"model_key": "iris", "data": [' },
  { name: "no model_key (422)", body: JSON.stringify({ data: [row] }) },
  { name: "an unknown field (422)", body: JSON.stringify({ model_key: "iris", data: [row], colour: "red" }) },
  { name: "data and dataset_id (422)", body: JSON.stringify({ model_key: "iris", data: [row], dataset_id: "d" }) },
  { name: "async: a job (202)", body: JSON.stringify({ model_key: "iris", data: [row], async: true }) },
  {
    name: "more rows than the sync limit (202)",
    body: JSON.stringify({ model_key: "iris", data: Array(6).fill(row) }),
  },
  {
    name: "a random token (401)",
    authorization: `Bearer mls_${"x".repeat(43)}`,
    body: JSON.stringify({ model_key: "iris", data: [row] }),
  },
  { name: "a token of no known kind (401)", authorization: "Bearer abcdef", body: "{}" },
  { name: "a malformed Authorization header (401)", authorization: "Basic dXNlcjpwdw==", body: "{}" },
  {
    name: "a session as Bearer",
    authorization: "session",
    body: JSON.stringify({ model_key: "iris", data: [row] }),
  },
  {
    name: "a given request id",
    body: JSON.stringify({ model_key: "iris", data: [row] }),
    headers: { "x-request-id": "client-chosen-id-1" },
  },
];

describe("POST /predict, fast path and middleware chain", () => {
  for (const c of cases) {
    test(`${c.name}: the same answer both ways`, async () => {
      const k = { ...c, authorization: c.authorization === "session" ? `Bearer ${session}` : c.authorization };
      const before = await fastCount();
      const fast = await send(k, "");
      const middle = await fastCount();
      const chain = await send(k, "?format=json");
      const after = await fastCount();
      // the fast path answered the first (jobs are handed to the route: no count), never the second
      expect(middle - before).toBe(fast.status === 202 ? 0 : 1);
      expect(after).toBe(middle);
      expect(fast.status).toBe(chain.status);
      expect(comparable(fast.text)).toEqual(comparable(chain.text));
      expect(fast.headers).toEqual(chain.headers);
      if (c.headers?.["x-request-id"]) expect(fast.requestId).toBe(c.headers["x-request-id"]);
      else expect(fast.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });
  }

  test("a revoked token is refused at once, with the reason, both ways", async () => {
    const body = JSON.stringify({ model_key: "iris", data: [row] });
    expect((await send({ name: "", authorization: `Bearer ${revoked}`, body }, "")).status).toBe(200);
    expect((await alice.send(`/auth/tokens/${revokedId}/revoke`, { method: "POST" })).status).toBe(200);
    const fast = await send({ name: "", authorization: `Bearer ${revoked}`, body }, "");
    const chain = await send({ name: "", authorization: `Bearer ${revoked}`, body }, "?format=json");
    expect(fast.status).toBe(401);
    expect(JSON.parse(fast.text).error.details).toEqual({ reason: "revoked_token" });
    expect(comparable(fast.text)).toEqual(comparable(chain.text));
    expect(fast.headers).toEqual(chain.headers);
  });

  test("over a socket the fast path answers a client's request", async () => {
    const { url } = svc.listen();
    const before = await fastCount();
    const res = await fetch(`${url}/predict`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ model_key: "iris", data: row }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).predictions).toHaveLength(1);
    expect(await fastCount()).toBe(before + 1);
  });

  test("every fast answer is logged and counted in the metrics", async () => {
    const before = (await svc.request("/metrics")).text;
    const count = (text: string) =>
      Number(/^http_requests_total\{method="POST",route="\/predict",status="2xx"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    const logged = async () => (await svc.request("/predictions?model_key=iris&limit=1")).body;
    const res = await send({ name: "", body: JSON.stringify({ model_key: "iris", data: [row, row] }) }, "");
    expect(res.status).toBe(200);
    const ids = JSON.parse(res.text).predictions.map((p: { prediction_id: number }) => p.prediction_id);
    // GET /predictions flushes the log first
    const newest = await logged();
    expect(newest.items[0].prediction_id).toBe(ids[1]);
    expect(count((await svc.request("/metrics")).text)).toBe(count(before) + 1);
  });
});
