/**
 * `/events`: the audit log, for admins. Newest first; `total` counts every match. Page with
 * limit/offset, or, while events keep arriving, with the cursor: pass `next_before_id` back
 * as `before_id` (offsets shift as new events are written; ids do not).
 */
import { Hono } from "hono";
import * as v from "valibot";
import type { AuthContext } from "../../auth/context";
import { getEvent, listEvents } from "../../events/queries";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { requireRole } from "../middleware/route-access";
import { responds } from "../route-doc";
import { pathParam, queryParams } from "../validate";
import { JsonObject, page } from "./shapes";

const int = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^\d+$/, "a whole number"), v.toNumber(), v.integer(), v.minValue(min), v.maxValue(max));
/** A date, or a date and time with optional seconds, fraction and zone; Date.parse alone reads "x 1" as 2001. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const isoTime = v.pipe(
  v.string(),
  v.check((s) => ISO_8601.test(s) && !Number.isNaN(Date.parse(s)), "an ISO-8601 time such as 2025-01-31T12:00:00Z"),
  v.transform((s) => new Date(s).toISOString()),
);
const EventsQuery = v.object({
  type: v.optional(v.pipe(v.string(), v.maxLength(100))),
  user: v.optional(v.pipe(v.string(), v.maxLength(64))),
  source: v.optional(v.picklist(["api", "gui", "system"], "one of api, gui, system")),
  status: v.optional(int(100, 599)),
  suspicious: v.optional(
    v.pipe(
      v.picklist(["true", "false"], "true or false"),
      v.transform((s) => s === "true"),
    ),
  ),
  from: v.optional(isoTime),
  to: v.optional(isoTime),
  before_id: v.optional(int(1, 1e15)),
  limit: v.optional(int(1, 1000), "100"),
  offset: v.optional(int(0, 1e12), "0"),
});
const Ip = v.pipe(v.string(), v.regex(/^[0-9A-Fa-f:.]{2,45}$/, "an IPv4 or IPv6 address"));
const EventId = v.pipe(v.string(), v.regex(/^\d{1,15}$/, "an event id"), v.transform(Number));

const nextCursor = (items: { id: number }[], limit: number) =>
  items.length === limit ? (items.at(-1)?.id ?? null) : null;

const EventsPage = v.object({
  ...page(JsonObject).entries,
  next_before_id: v.pipe(v.nullable(v.number()), v.description("pass as before_id for the next page")),
});
const ID = { params: { id: v.pipe(v.number(), v.integer(), v.minValue(1)) } };

export function eventsRoutes(ctx: Pick<AuthContext, "db">) {
  return new Hono<AppEnv>()
    .get("/events", requireRole("admin"), queryParams(EventsQuery), responds({ 200: EventsPage }), async (c) => {
      const q = c.req.valid("query");
      const page = await listEvents(ctx.db, q);
      return c.json({ ...page, limit: q.limit, offset: q.offset, next_before_id: nextCursor(page.items, q.limit) });
    })
    .get(
      "/events/suspicious",
      requireRole("admin"),
      queryParams(EventsQuery),
      responds({ 200: EventsPage }),
      async (c) => {
        const q = c.req.valid("query");
        const page = await listEvents(ctx.db, { ...q, suspicious: true });
        return c.json({ ...page, limit: q.limit, offset: q.offset, next_before_id: nextCursor(page.items, q.limit) });
      },
    )
    .get(
      "/events/by-ip/:ip",
      requireRole("admin"),
      queryParams(EventsQuery),
      responds({ 200: v.object({ ...EventsPage.entries, ip: v.string() }) }),
      async (c) => {
        const q = c.req.valid("query");
        const ip = pathParam("ip", Ip, c.req.param("ip"));
        const page = await listEvents(ctx.db, { ...q, ip });
        return c.json({
          ...page,
          ip,
          limit: q.limit,
          offset: q.offset,
          next_before_id: nextCursor(page.items, q.limit),
        });
      },
    )
    .get("/events/:id", requireRole("admin"), responds({ 200: JsonObject }, ID), async (c) => {
      const event = await getEvent(ctx.db, pathParam("id", EventId, c.req.param("id")));
      if (!event) throw notFound("event");
      return c.json(event);
    });
}
