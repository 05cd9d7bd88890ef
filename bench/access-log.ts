/**
 * What the request log line costs per request: the same small JSON route (a single-row
 * prediction's answer) behind no log, behind the log line as it was (request id, method, path,
 * status, duration) and behind today's (client IP, user agent, bytes in/out, user, trace id
 * from traceparent), in process with app.request so the network does not hide the difference.
 *   bun bench/access-log.ts [--rounds 7] [--requests 20000] [--json]
 *
 * The sides alternate round by round in one run; a ratio is the median of the per-round ratios.
 */
import { parseArgs } from "node:util";
import { Hono, type MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { AppEnv } from "../src/http/env";
import { accessLog } from "../src/http/middleware/access-log";
import { createLogger, type Logger } from "../src/log";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    requests: { type: "string", default: "20000" },
    json: { type: "boolean", default: false },
  },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);

/** The log line of the base commit (3f0b7b3), for comparison. */
function previousAccessLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const start = performance.now();
    c.set("log", log);
    await next();
    log.info("request", {
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - start) * 100) / 100,
    });
  };
}

const ANSWER = {
  model_key: "digits",
  version: "1.0.0",
  predictions: [
    {
      prediction_id: 1,
      prediction: "7",
      confidence: 0.97,
      all_scores: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), i === 7 ? 0.97 : 0.003])),
    },
  ],
  processing_time_ms: 0.2,
};

/** Lines are formatted as in production and dropped: the sink is not what is measured. */
function app(log: ((log: Logger) => MiddlewareHandler<AppEnv>) | null) {
  const a = new Hono<AppEnv>();
  a.use(requestId());
  if (log) a.use(log(createLogger("info", () => {})));
  a.post("/predict", async (c) => c.json(ANSWER));
  return a;
}

const SIDES = {
  none: app(null),
  previous: app(previousAccessLog),
  current: app((log) => accessLog(log, { trustProxy: true })),
};
const BODY = JSON.stringify({ model_key: "digits", data: [{ x: 1 }] });
const HEADERS = {
  "content-type": "application/json",
  "content-length": String(BODY.length),
  "user-agent": "bench/1.0",
  "x-forwarded-for": "203.0.113.7",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};

async function perRequestUs(a: Hono<AppEnv>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const res = await a.request("/predict", { method: "POST", body: BODY, headers: HEADERS });
    await res.arrayBuffer();
  }
  return ((performance.now() - start) * 1000) / REQUESTS;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

const times: Record<keyof typeof SIDES, number[]> = { none: [], previous: [], current: [] };
for (const side of Object.keys(SIDES) as (keyof typeof SIDES)[]) await perRequestUs(SIDES[side]); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const side of Object.keys(SIDES) as (keyof typeof SIDES)[]) times[side].push(await perRequestUs(SIDES[side]));
}
const result = {
  requests_per_round: REQUESTS,
  rounds: ROUNDS,
  us_per_request: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v) * 100) / 100])),
  current_over_previous: median(times.current.map((t, i) => t / (times.previous[i] as number))),
  current_over_none: median(times.current.map((t, i) => t / (times.none[i] as number))),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`µs per request (median of ${ROUNDS} rounds × ${REQUESTS}):`, result.us_per_request);
  console.log(`current / previous log line: ${result.current_over_previous.toFixed(3)}×`);
  console.log(`current / no log line:       ${result.current_over_none.toFixed(3)}×`);
}
