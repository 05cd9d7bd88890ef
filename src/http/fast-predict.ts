/**
 * `POST /predict` without the Hono middleware chain, for the request that dominates serving: a
 * Bearer token, a JSON body of a few rows, no query string. The chain cost more than the
 * prediction itself (bench/serve-breakdown.ts). Such a request is answered here with the
 * same steps in one function:
 * - the same request id, trace id and client IP;
 * - the same token check and the same domain operation (`predictNow`, which makes the role check);
 * - the same JSON answer and error contract;
 * - the same security headers, access line, metrics and audit event.
 * test/http/fast-predict.test.ts sends each case both ways and compares the answers. Under load
 * the answers of one event-loop turn leave together at its end (`endOfTurn`).
 *
 * Anything else goes to Hono unchanged (`undefined` from the gate, before anything is read):
 * - another method or path, a query string;
 * - another credential (cookie, X-Admin-Token), or none;
 * - a body that is not JSON, is compressed, is chunked, or is over the limit;
 * - a CORS request (an Origin header while ML_CORS_ORIGINS is set);
 * - oversized headers.
 * Two cases are handed over after the token check, their body unread or read once and passed
 * on: an account that must change its password, and a body that asks for a job (`async`,
 * `dataset_id`, more rows than ML_SYNC_PREDICT_MAX_ROWS).
 * Refusals (a bad token, a body that is not JSON or fails validation) are answered here: they
 * must cost no more than a success.
 */
import type { AuthContext } from "../auth/context";
import { CredentialRejected } from "../auth/credentials";
import { actorName, type Identity } from "../auth/identity";
import type { Logger } from "../log";
import { type PredictNowDeps, predictNow } from "../registry/predict-now";
import { newTraceId, parseTraceparent } from "../trace";
import { asRows, PredictBody, plainPredictBody } from "./api/predict";
import { answerOf, predictAnswerJson } from "./api/predict-answer";
import { errorAnswer, internalError } from "./errors";
import { logAccess } from "./middleware/access-log";
import { errorSummary, recordRequestEvent } from "./middleware/audit";
import { identifyBearer } from "./middleware/authenticate";
import { headerBytes } from "./middleware/header-limit";
import { requestClientIp, requestIsHttps } from "./middleware/request-info";
import { securityHeaderList } from "./middleware/security-headers";
import { JSON_MEDIA_TYPE, parseInput, parseJsonBody } from "./validate";

/** The route as the metrics and the audit log name it. */
const ROUTE = "/predict";
const REQUEST_ID = /^[\w\-=]{1,255}$/;

export interface FastPredictDeps {
  auth: AuthContext;
  log: Logger;
  predict: PredictNowDeps;
  config: {
    ML_MAX_REQUEST_BYTES: number;
    ML_MAX_HEADER_BYTES: number;
    ML_SYNC_PREDICT_MAX_ROWS: number;
    ML_TRUST_PROXY: boolean;
    ML_USE_HTTPS: boolean;
    ML_CORS_ORIGINS: string;
  };
  observe: (method: string, route: string, status: number, seconds: number, fast: boolean) => void;
}

type Fetch = (req: Request, env?: unknown, ctx?: unknown) => Response | Promise<Response>;

/**
 * The app's fetch with the fast path in front: `hono` answers every request the gate does not take.
 */
export function withFastPredict(deps: FastPredictDeps, hono: Fetch): Fetch {
  const { config } = deps;
  const cors = config.ML_CORS_ORIGINS.split(",").some((s) => s.trim() !== "");
  return (req, env, ctx) => {
    if (req.method !== "POST") return hono(req, env, ctx);
    const url = req.url;
    const path = url.indexOf("/", url.indexOf("//") + 2);
    if (path < 0 || url.length - path !== ROUTE.length || !url.endsWith(ROUTE)) return hono(req, env, ctx);
    const h = req.headers;
    // a cookie or X-Admin-Token request takes the chain; any Authorization header is answered here
    const authorization = h.get("authorization");
    if (authorization === null) return hono(req, env, ctx);
    const media = h.get("content-type")?.split(";")[0]?.trim();
    const length = h.get("content-length");
    if (
      media === undefined ||
      !JSON_MEDIA_TYPE.test(media) ||
      length === null ||
      !(Number(length) <= config.ML_MAX_REQUEST_BYTES) ||
      h.has("content-encoding") ||
      (cors && h.has("origin")) ||
      headerBytes(req, ROUTE.length) > config.ML_MAX_HEADER_BYTES
    )
      return hono(req, env, ctx);
    return answer(
      deps,
      req,
      env,
      authorization,
      () => hono(req, env, ctx),
      (text) => hono(new Request(url, { method: "POST", headers: h, body: text }), env, ctx),
    );
  };
}

async function answer(
  deps: FastPredictDeps,
  req: Request,
  env: unknown,
  authorization: string,
  unread: () => Response | Promise<Response>,
  read: (text: string) => Response | Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  const { config } = deps;
  const h = req.headers;
  const given = h.get("x-request-id");
  const requestId = given !== null && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  const traceId = parseTraceparent(h.get("traceparent"))?.traceId ?? newTraceId();
  const ip = requestClientIp(req, env, config.ML_TRUST_PROXY);
  let identity: Identity | null = null;
  let input: unknown = null;
  let type = "http:request";
  let suspicious: string | null | undefined;
  let status = 200;
  let text: string;
  let extra: Record<string, string> = {};
  let failure: Error | null = null;
  try {
    try {
      identity = await identifyBearer(deps.auth, authorization, ip);
    } catch (e) {
      if (e instanceof CredentialRejected) {
        type = "auth:token_rejected";
        suspicious = e.reason;
      }
      throw e;
    }
    // the password-change gate answers from the chain (rare: a fresh account's first request)
    if (identity.mustChangePassword) return unread();
    const body = await req.text();
    const value = parseJsonBody(body);
    const parsed = plainPredictBody(value) ?? parseInput("body", PredictBody, value);
    const rows = parsed.data === undefined ? [] : asRows(parsed.data);
    // a job (or a seed-001 async answer): the route's own branch
    if (parsed.dataset_id !== undefined || parsed.async || rows.length > config.ML_SYNC_PREDICT_MAX_ROWS)
      return read(body);
    input = { model_key: parsed.model_key, version: parsed.version ?? null, rows: rows.length };
    const target = { model_key: parsed.model_key, version: parsed.version, alias: parsed.alias, rows };
    const done = await predictNow(deps.predict, identity, target, started);
    text = predictAnswerJson(answerOf(done, started));
  } catch (e) {
    failure = e as Error;
    const known = errorAnswer(failure);
    if (known) {
      status = known.status;
      text = JSON.stringify(known.body);
      extra = known.headers;
    } else {
      status = 500;
      text = JSON.stringify(internalError(failure, requestId, deps.log));
    }
  }
  const response = answerResponse(
    text,
    status,
    requestId,
    extra,
    config.ML_USE_HTTPS || requestIsHttps(req, config.ML_TRUST_PROXY),
  );
  const userAgent = h.get("user-agent");
  await recordRequestEvent(
    deps.auth,
    {
      type,
      source: "api",
      actor: identity ? actorName(identity) : null,
      actor_user_id: identity?.userId ?? null,
      via: identity?.via ?? null,
      subject: null,
      ip,
      user_agent: userAgent,
      method: "POST",
      route: ROUTE,
      path: ROUTE,
      status,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      request_id: requestId,
      input,
      output: errorSummary(failure),
    },
    suspicious,
  );
  logAccess(deps.log, {
    request_id: requestId,
    method: "POST",
    path: ROUTE,
    status,
    started,
    client_ip: ip,
    user_agent: userAgent,
    bytes_in: h.get("content-length"),
    bytes_out: Buffer.byteLength(text),
    user_id: identity?.userId ?? null,
    trace_id: traceId,
  });
  deps.observe("POST", ROUTE, status, (performance.now() - started) / 1000, true);
  const later = endOfTurn();
  if (later) await later;
  return response;
}

/** the end of the event loop's current turn, once an answer of this turn has been made */
let turnEnd: Promise<void> | null = null;
/** answers made in this turn so far */
let answered = 0;
/** whether the last turn made more than one answer: the service is under load */
let busy = false;

/**
 * When an answer may leave. Under load (the last turn made more than one answer) every answer
 * waits for the end of the turn, after the turn has handled its waiting connections, and the
 * answers of one turn are sent together. Sent one by one, each answer woke the client's reader on
 * its own (on loopback a send wakes the reader in the sender's system time), and that wake-up was
 * most of the serving thread's 20 µs a request in the kernel (8 now). A lone client's answer, the
 * only one of its turn, leaves at once: it has nothing to wait for.
 */
function endOfTurn(): Promise<void> | undefined {
  answered++;
  if (turnEnd === null) {
    turnEnd = new Promise((resolve) =>
      setImmediate(() => {
        busy = answered > 1;
        answered = 0;
        turnEnd = null;
        resolve();
      }),
    );
    if (!busy) return undefined;
  }
  return turnEnd;
}

/** the headers every answer carries besides its id, over HTTP and over HTTPS, built once each */
const plainHeaders = new Map<boolean, Headers>();

function commonHeaders(https: boolean): Headers {
  let h = plainHeaders.get(https);
  if (!h) {
    h = new Headers({ "Content-Type": "application/json" });
    for (const [name, value] of securityHeaderList(https)) h.set(name, value);
    plainHeaders.set(https, h);
  }
  return h;
}

/**
 * The answer with its request id, the JSON type, an error's own headers (a 401's
 * WWW-Authenticate) and the security headers. The answer copies the prepared set, then adds its
 * id and its own: less than half the cost of building all of them each time.
 */
function answerResponse(
  text: string,
  status: number,
  requestId: string,
  extra: Record<string, string>,
  https: boolean,
): Response {
  const response = new Response(text, { status, headers: commonHeaders(https) });
  response.headers.set("X-Request-Id", requestId);
  for (const k in extra) response.headers.set(k, extra[k] as string);
  return response;
}
