/** The audit event as stored and as served by GET /events (input/output parsed back from JSON). */
import type { Selectable } from "kysely";
import type { EventsTable } from "../db/schema";

export type EventSource = EventsTable["source"];

/**
 * A row of `events` (src/db/schema.ts) as the API serves it: input/output parsed back from JSON,
 * `suspicious` as a boolean. `actor` is a username, `username/token:<name>` for an API token,
 * `admin-token`, `cli`, or null (anonymous); `subject` is the account the event is about.
 */
export type AuditEvent = Omit<Selectable<EventsTable>, "input" | "output" | "suspicious"> & {
  input: unknown;
  output: unknown;
  suspicious: boolean;
};

/** What a writer supplies; the log fills id and time and strips secrets from input/output. */
export type NewEvent = Partial<Omit<AuditEvent, "id" | "time" | "type" | "source">> & {
  type: string;
  source: EventSource;
};
