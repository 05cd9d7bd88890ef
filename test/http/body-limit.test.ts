import { describe, expect, test } from "bun:test";
import { testApp } from "../helpers";

const LIMIT = 64 * 1024;
const SENT = 16 * 1024 * 1024;

/** A body of SENT bytes that counts how much of it the server pulled. */
function countedBody() {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (state.pulled >= SENT) return ctl.close();
      state.pulled += 16 * 1024;
      ctl.enqueue(new Uint8Array(16 * 1024).fill(32));
    },
  });
  return { stream, state };
}

describe("oversize POST /predict bodies", () => {
  test("a declared length over the limit is refused before the body is read", async () => {
    const { app } = testApp({ ML_MAX_REQUEST_BYTES: String(LIMIT) });
    const { stream, state } = countedBody();
    const res = await app.request("/predict", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json", "content-length": String(SENT) },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(state.pulled).toBeLessThan(LIMIT);
  });

  test("a chunked body is read only until it passes the limit", async () => {
    const { app } = testApp({ ML_MAX_REQUEST_BYTES: String(LIMIT) });
    const { stream, state } = countedBody();
    const res = await app.request("/predict", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(state.pulled).toBeLessThan(4 * LIMIT);
  });
});
