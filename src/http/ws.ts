/**
 * `GET /ws`: live events for browsers and clients. Bus events are forwarded as
 * `{"type": "<event type>", "data": {...}, "time": "<ISO>"}`: the job queue
 * (`queue:task_started|progress|completed`), `models:metrics_updated`, and every `alerts:*` and
 * `drift:*` event. A client follows jobs with `{"type":"queue:subscribe","job_id":…}`: the reply
 * `queue:subscribed` carries the job's status, then its latest progress (running) or final state
 * (ended) is replayed at once, so a late subscriber misses nothing; a subscription ends with the
 * job's `queue:task_completed`. While it follows any job a client gets queue events of those jobs
 * only (`queue:unsubscribe` from all: every job again). Non-admins see queue events of jobs they
 * may see (their own; the jobs of models they own or maintain). `{"type":"ping"}` gets a pong;
 * `{"type":"alerts:acknowledge","alert_id":N}` marks a non-critical alert seen. Errors come back
 * as `{"type":"error","data":{"code","message"}}`. Limits: 4 KiB a message (larger: closed with
 * 1009), 100 subscriptions a socket.
 *
 * Credentials are those of HTTP; since a browser cannot set headers on a WebSocket, `?token=`
 * (an API token, a session token or the admin token) is accepted here and nowhere else. A
 * cookie-authenticated upgrade must come from the service's own origin or one listed in
 * ML_CORS_ORIGINS (cross-site WebSocket hijacking). A socket is closed (1008) as soon as its
 * credential is revoked or expires, or its account is deleted, deactivated or demoted; and
 * (1001) when the service shuts down. Serve with `Bun.serve({ fetch: app.fetch, websocket })`.
 */
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { websocket as honoWebsocket, upgradeWebSocket } from "hono/bun";
import type { AuthContext } from "../auth/context";
import { identifyAdminToken, identifyApiToken, identifySession } from "../auth/credentials";
import type { Identity } from "../auth/identity";
import { credentialWithdrawn, mayWithdrawCredentials } from "../auth/recheck";
import { API_TOKEN_PREFIX, SESSION_PREFIX } from "../auth/secrets";
import { ServiceError } from "../errors";
import type { AppEnv } from "./env";
import { authenticate } from "./middleware/authenticate";
import { requireRole, signedIn } from "./middleware/route-access";
import { responds } from "./route-doc";
import { Connection, MAX_MESSAGE_BYTES } from "./ws-connection";

/** Bun's WebSocket handlers, with the inbound message cap (Bun closes a socket that sends more with 1009). */
export const websocket = { ...honoWebsocket, maxPayloadLength: MAX_MESSAGE_BYTES };

/** how often open sockets recheck their credential besides on account events (CLI changes, other replicas) */
const RECHECK_EVERY_MS = 30_000;

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
      throw new ServiceError(403, "forbidden", "change your password first: PUT /auth/profile/password", {
        reason: "password_change_required",
      });
    }
    c.set("identity", identity);
    await next();
  };
}

/**
 * A browser sends its cookie with any page's WebSocket, so a cookie session is accepted only
 * from the service's own origin (the Host it was reached at) or an origin listed in
 * ML_CORS_ORIGINS (`*` does not count: it never lets credentials through). Bearer, admin-token
 * and `?token=` clients hold their secret themselves and need no Origin.
 */
function sameSiteCookie(auth: AuthContext): MiddlewareHandler<AppEnv> {
  const allowed = new Set(
    auth.config.ML_CORS_ORIGINS.split(",")
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s && s !== "*"),
  );
  return async function sameSiteCookie(c, next) {
    if (signedIn(c).via === "cookie" && !originAllowed(c, allowed, auth.config.ML_TRUST_PROXY)) {
      throw new ServiceError(
        403,
        "forbidden",
        "a cookie-authenticated WebSocket must come from this service's own pages",
        {
          reason: "cross_origin",
        },
      );
    }
    await next();
  };
}

function originAllowed(c: Context<AppEnv>, allowed: Set<string>, trustProxy: boolean): boolean {
  const origin = c.req.header("origin")?.toLowerCase();
  if (!origin) return false;
  if (allowed.has(origin)) return true;
  const host = ((trustProxy && c.req.header("x-forwarded-host")) || c.req.header("host"))?.toLowerCase();
  try {
    return host !== undefined && new URL(origin).host === host.split(",")[0]?.trim();
  } catch {
    return false;
  }
}

/**
 * The open sockets of one app: each rechecks its credential when an account or credential
 * changes (an `auth:*`/`users:*` event) and every RECHECK_EVERY_MS, and all close at shutdown.
 */
class Sockets {
  readonly #open = new Set<Connection>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #sweeping: Promise<void> | null = null;
  #again = false;

  constructor(readonly auth: AuthContext) {
    // remote too: a credential withdrawn in another process closes the sockets here at once
    auth.bus.subscribeAll(
      (_payload, type) => {
        if (type === "service:stopping") this.closeAll(1001, "service shutting down");
        else if (this.#open.size > 0 && mayWithdrawCredentials(type)) this.recheck();
      },
      { remote: true },
    );
  }

  add(conn: Connection): void {
    this.#open.add(conn);
    this.#timer ??= setInterval(() => this.recheck(), RECHECK_EVERY_MS);
  }

  remove(conn: Connection): void {
    this.#open.delete(conn);
    if (this.#open.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  /** One sweep at a time; a change during a sweep runs one more after it. */
  recheck(): void {
    if (this.#sweeping) {
      this.#again = true;
      return;
    }
    this.#sweeping = this.#sweep().finally(() => {
      this.#sweeping = null;
      if (this.#again) {
        this.#again = false;
        this.recheck();
      }
    });
  }

  async #sweep(): Promise<void> {
    for (const conn of [...this.#open]) {
      const reason = await credentialWithdrawn(this.auth, conn.identity).catch(() => null);
      if (reason !== null) {
        this.remove(conn);
        conn.end(1008, reason);
      }
    }
  }

  closeAll(code: number, reason: string): void {
    for (const conn of [...this.#open]) {
      this.remove(conn);
      conn.end(code, reason);
    }
  }
}

/**
 * The /ws route. Mount it before the app-wide `authenticate` middleware: the route answers the
 * upgrade itself, so that middleware (which knows no `?token=`) never runs for it.
 */
export function wsRoutes(auth: AuthContext) {
  const sockets = new Sockets(auth);
  return new Hono<AppEnv>().get(
    "/ws",
    wsAuthenticate(auth),
    requireRole("user"),
    responds({ 101: null }, { summary: "WebSocket: job progress and service events (also takes ?token=)" }),
    sameSiteCookie(auth),
    async function needsUpgrade(c, next) {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        throw new ServiceError(400, "bad_request", "GET /ws is a WebSocket endpoint: send Upgrade: websocket");
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
          sockets.add(conn);
        },
        onMessage: (event) => conn?.receive(typeof event.data === "string" ? event.data : ""),
        onClose: () => {
          if (!conn) return;
          conn.close();
          sockets.remove(conn);
        },
      };
    }),
  );
}
