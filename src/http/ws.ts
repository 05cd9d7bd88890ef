/**
 * `GET /ws`: live events for browsers and clients. Bus events are forwarded as
 * `{"type": "<event type>", "data": {...}, "time": "<ISO>"}`: the job queue
 * (`queue:task_started|progress|completed`), `models:metrics_updated`, and every `alerts:*` and
 * `drift:*` event. A client narrows the queue events with `{"type":"queue:subscribe","job_id":…}`
 * (and `queue:unsubscribe`); with no subscription it gets all it may see. Non-admins see queue
 * events of their own jobs only. `{"type":"ping"}` is answered with a pong.
 * `{"type":"alerts:acknowledge","alert_id":N}` marks a non-critical alert seen (critical: an
 * error reply; those are dismissed over HTTP).
 *
 * Credentials are those of HTTP; since a browser cannot set headers on a WebSocket, `?token=`
 * (an API token, a session token or the admin token) is accepted here and nowhere else.
 * Serve with `Bun.serve({ fetch: app.fetch, websocket })`.
 */
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { upgradeWebSocket, websocket } from "hono/bun";
import type { WSContext } from "hono/ws";
import type { AuthContext } from "../auth/context";
import { identifyAdminToken, identifyApiToken, identifySession } from "../auth/credentials";
import { hasRole, type Identity } from "../auth/identity";
import { authenticate } from "../auth/middleware";
import { requireRole, signedIn } from "../auth/routes-policy";
import { API_TOKEN_PREFIX, SESSION_PREFIX } from "../auth/secrets";
import { acknowledgeAlert } from "../monitoring/alerts";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";

export { websocket };

const FORWARDED = new Set([
  "queue:task_started",
  "queue:task_progress",
  "queue:task_completed",
  "models:metrics_updated",
]);
const isForwarded = (type: string) => FORWARDED.has(type) || type.startsWith("alerts:") || type.startsWith("drift:");
/** job ids whose owner a connection remembers; bounded so a long-lived socket does not grow */
const OWNERSHIP_CACHE = 1000;

async function queryTokenIdentity(auth: AuthContext, token: string, ip: string): Promise<Identity> {
  if (token.startsWith(API_TOKEN_PREFIX)) return identifyApiToken(auth, token, ip);
  if (token.startsWith(SESSION_PREFIX)) return identifySession(auth, token, "session");
  return identifyAdminToken(auth, token);
}

/** Header and cookie credentials go through the one authenticate middleware; `?token=` is resolved here. */
function wsAuthenticate(auth: AuthContext): MiddlewareHandler<AppEnv> {
  const viaHeaders = authenticate(auth);
  return async function wsAuthenticate(c, next) {
    const token = c.req.query("token");
    const hasHeaders = c.req.header("authorization") !== undefined || c.req.header("x-admin-token") !== undefined;
    if (token === undefined || hasHeaders) return viaHeaders(c, next);
    const identity = await queryTokenIdentity(auth, token, c.get("clientIp") ?? "unknown");
    if (identity.mustChangePassword && identity.via !== "admin_token") {
      throw new ApiError(403, "forbidden", "change your password first: PUT /auth/profile/password", {
        reason: "password_change_required",
      });
    }
    c.set("identity", identity);
    await next();
  };
}

/** One client: who it is, the jobs it narrowed to, and which jobs it may see (non-admins). */
class Connection {
  readonly subscribed = new Set<string>();
  readonly #owns = new Map<string, Promise<boolean>>();
  #off: (() => void) | null = null;

  constructor(
    readonly auth: AuthContext,
    readonly identity: Identity,
    readonly ws: WSContext,
  ) {}

  open(): void {
    this.#off = this.auth.bus.subscribeAll((payload, type) => this.#forward(type, payload));
  }

  close(): void {
    this.#off?.();
    this.#off = null;
  }

  send(type: string, data: unknown): void {
    // a client that went away between the event and the send is not an error
    if (this.ws.readyState === 1) this.ws.send(JSON.stringify({ type, data, time: this.auth.now().toISOString() }));
  }

  receive(text: string): void {
    const alertId = acknowledgeRequest(text);
    if (alertId !== undefined) {
      // the broadcast `alerts:acknowledged` confirms it, to this client as to the others
      const deps = { db: this.auth.db, bus: this.auth.bus, now: this.auth.now };
      acknowledgeAlert(deps, alertId, this.identity.username).catch((e: Error) =>
        this.send("error", { message: e.message, alert_id: alertId }),
      );
      return;
    }
    const [type, data] = this.#reply(text);
    this.send(type, data);
  }

  #reply(text: string): [string, unknown] {
    let msg: { type?: unknown; job_id?: unknown } | null;
    try {
      msg = JSON.parse(text);
    } catch {
      return ["error", { message: "messages are JSON objects with a type" }];
    }
    const type = msg?.type;
    const jobId = typeof msg?.job_id === "string" ? msg.job_id : undefined;
    if (type === "ping") return ["pong", {}];
    if (type === "queue:subscribe" || type === "queue:unsubscribe") {
      if (!jobId) return ["error", { message: `${type} needs a job_id` }];
      if (type === "queue:subscribe") this.subscribed.add(jobId);
      else this.subscribed.delete(jobId);
      return [
        type === "queue:subscribe" ? "queue:subscribed" : "queue:unsubscribed",
        { job_id: jobId, jobs: [...this.subscribed] },
      ];
    }
    return [
      "error",
      {
        message: `unknown message type ${JSON.stringify(type)}; use ping, queue:subscribe, queue:unsubscribe or alerts:acknowledge`,
      },
    ];
  }

  #forward(type: string, payload: unknown): void {
    if (!isForwarded(type)) return;
    if (type.startsWith("queue:")) {
      const jobId = String((payload as { job_id?: unknown } | null)?.job_id ?? "");
      if (this.subscribed.size > 0 && !this.subscribed.has(jobId)) return;
      if (!hasRole(this.identity.role, "admin")) {
        // every event of one job waits on the same promise, so they still arrive in order
        this.#maysee(jobId).then((ok) => {
          if (ok) this.send(type, payload);
        });
        return;
      }
    }
    this.send(type, payload);
  }

  #maysee(jobId: string): Promise<boolean> {
    let known = this.#owns.get(jobId);
    if (known === undefined) {
      if (this.#owns.size >= OWNERSHIP_CACHE) this.#owns.clear();
      known = this.auth.db
        .selectFrom("jobs")
        .select("created_by")
        .where("id", "=", jobId)
        .executeTakeFirst()
        .then((row) => row?.created_by === this.identity.userId)
        .catch(() => false);
      this.#owns.set(jobId, known);
    }
    return known;
  }
}

/** The alert id of an `alerts:acknowledge` message; undefined for any other message. */
function acknowledgeRequest(text: string): number | undefined {
  try {
    const msg = JSON.parse(text) as { type?: unknown; alert_id?: unknown } | null;
    if (msg?.type !== "alerts:acknowledge") return undefined;
    // a malformed id still counts as an acknowledge request: it gets a 404-style error reply
    return typeof msg.alert_id === "number" && Number.isSafeInteger(msg.alert_id) ? msg.alert_id : 0;
  } catch {
    return undefined;
  }
}

/**
 * The /ws route. Mount it before the app-wide `authenticate` middleware: the route answers the
 * upgrade itself, so that middleware (which knows no `?token=`) never runs for it.
 */
export function wsRoutes(auth: AuthContext) {
  return new Hono<AppEnv>().get(
    "/ws",
    wsAuthenticate(auth),
    requireRole("user"),
    async function needsUpgrade(c, next) {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        throw new ApiError(400, "bad_request", "GET /ws is a WebSocket endpoint: send Upgrade: websocket");
      }
      await next();
    },
    upgradeWebSocket((c) => {
      const identity = signedIn(c);
      let conn: Connection | null = null;
      return {
        onOpen: (_event, ws) => {
          conn = new Connection(auth, identity, ws);
          conn.open();
        },
        onMessage: (event) => conn?.receive(typeof event.data === "string" ? event.data : ""),
        onClose: () => conn?.close(),
      };
    }),
  );
}
