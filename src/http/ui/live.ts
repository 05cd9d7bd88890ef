/**
 * `GET /ui/live`: server-sent events fed by the event bus, for the dashboard's live regions.
 * Only the kind of change is sent (`jobs`, `alerts`, `drift`, `models`), never the payload:
 * the page re-fetches what it shows through its own, role-checked route. Bursts (progress of
 * a fast fit) are coalesced to one event per kind per interval.
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { EventBus } from "../../events/bus";
import type { AppEnv } from "../env";
import { requireRole } from "../middleware/route-access";

const KIND_OF: [RegExp, string][] = [
  [/^queue:/, "jobs"],
  [/^alerts?:/, "alerts"],
  [/^drift:/, "drift"],
  [/^models:/, "models"],
];
/** Bun closes a connection idle for 10 s by default; a comment line keeps the stream open */
const HEARTBEAT_MS = 8_000;

export function liveRoutes(bus: EventBus, coalesceMs = 500) {
  return new Hono<AppEnv>().get("/ui/live", requireRole("user"), (c) =>
    streamSSE(c, async (stream) => {
      const pending = new Set<string>();
      let timer: ReturnType<typeof setTimeout> | null = null;
      const flush = async () => {
        timer = null;
        const kinds = [...pending];
        pending.clear();
        for (const kind of kinds) await stream.writeSSE({ event: kind, data: kind });
      };
      let stopping = () => {};
      const off = bus.subscribeAll(
        (_payload, type) => {
          // at shutdown the stream ends, so that the server drains at once (the page reconnects)
          if (type === "service:stopping") stopping();
          const kind = KIND_OF.find(([re]) => re.test(type))?.[1];
          if (!kind) return;
          pending.add(kind);
          timer ??= setTimeout(() => void flush().catch(() => {}), coalesceMs);
        },
        { remote: true },
      );
      const beat = setInterval(() => void stream.write(": ping\n\n").catch(() => {}), HEARTBEAT_MS);
      await new Promise<void>((resolve) => {
        stream.onAbort(resolve);
        stopping = resolve;
      });
      off();
      clearInterval(beat);
      if (timer) clearTimeout(timer);
    }),
  );
}
