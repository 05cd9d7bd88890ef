/** Reading the audit log: filtered, newest first, with a total for paging. */
import { type Kysely, type Selectable, sql } from "kysely";
import type { DB, EventsTable } from "../db/schema";
import { EventLog } from "./log";
import type { AuditEvent, EventSource } from "./types";

export interface EventFilter {
  type?: string;
  /** a user id, or a username matched against actor, subject and the user's id */
  user?: string;
  source?: EventSource;
  status?: number;
  ip?: string;
  suspicious?: boolean;
  /** ISO-8601 bounds, inclusive from, exclusive to */
  from?: string;
  to?: string;
  /** cursor: only events older than this id (stable paging while new events arrive) */
  before_id?: number;
  limit: number;
  offset: number;
}

export function toEvent(row: Selectable<EventsTable>): AuditEvent {
  return {
    ...row,
    input: row.input === null ? null : JSON.parse(row.input),
    output: row.output === null ? null : JSON.parse(row.output),
    suspicious: row.suspicious === 1,
  };
}

export async function listEvents(db: Kysely<DB>, f: EventFilter): Promise<{ items: AuditEvent[]; total: number }> {
  // request events are written in batches; a reader sees every request made before it
  await EventLog.flushAll();
  let q = db.selectFrom("events");
  if (f.type !== undefined) {
    // "auth:*" lists a whole family; anything else is an exact type
    q = f.type.endsWith(":*")
      ? q.where(sql<string>`substr(type, 1, ${f.type.length - 1})`, "=", f.type.slice(0, -1))
      : q.where("type", "=", f.type);
  }
  if (f.user !== undefined) {
    const user = f.user;
    q = /^\d+$/.test(user)
      ? q.where("actor_user_id", "=", Number(user))
      : q.where((eb) =>
          eb.or([
            eb("actor", "=", user),
            eb("subject", "=", user),
            eb("actor_user_id", "in", eb.selectFrom("users").select("id").where("username", "=", user)),
          ]),
        );
  }
  if (f.source !== undefined) q = q.where("source", "=", f.source);
  if (f.status !== undefined) q = q.where("status", "=", f.status);
  if (f.ip !== undefined) q = q.where("ip", "=", f.ip);
  if (f.suspicious !== undefined) q = q.where("suspicious", "=", f.suspicious ? 1 : 0);
  if (f.from !== undefined) q = q.where("time", ">=", f.from);
  if (f.to !== undefined) q = q.where("time", "<", f.to);
  if (f.before_id !== undefined) q = q.where("id", "<", f.before_id);
  const { total } = await q.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy("id", "desc").limit(f.limit).offset(f.offset).execute();
  return { items: rows.map(toEvent), total: Number(total) };
}

export async function getEvent(db: Kysely<DB>, id: number): Promise<AuditEvent | null> {
  await EventLog.flushAll();
  const row = await db.selectFrom("events").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toEvent(row) : null;
}
